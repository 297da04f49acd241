// System: facts about the machine the daemon runs on.
import CSwitchyardSys
import Glibc

/// Machine facts read once.
package enum System {
    /// Online CPU cores (at least 1).
    package static var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// Raises the open-file limit towards `wanted` when the hard limit allows; returns the limit in effect.
    package static func raiseOpenFileLimit(to wanted: Int) -> Int { Int(sy_raise_nofile_limit(wanted)) }
}
