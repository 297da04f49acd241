// AddressSanitizer: tells tests whether they run in a `--sanitize=address` build, where resident
// memory says nothing about the daemon's own use.
import Glibc

/// Whether this test process carries AddressSanitizer's runtime, which a `swift test
/// --sanitize=address` build (`benchmarks/asan.sh`) links into the test runner and into the daemon
/// beside it.
///
/// Under ASan, freed memory waits in a quarantine of up to 256 MB and every allocation touches its
/// shadow memory, so resident-size bounds are meaningless; tests skip them there and keep every
/// other check. The instrumented daemon is also a few times slower: bounds on how soon it acts
/// are scaled by `timeScale`.
package enum AddressSanitizer {
    package static let isActive: Bool = {
        guard let process = dlopen(nil, RTLD_NOW) else { return false }
        return dlsym(process, "__asan_init") != nil
    }()

    /// The factor for time bounds on the daemon's reactions: 2 under ASan, else 1.
    package static var timeScale: Double { isActive ? 2 : 1 }
}
