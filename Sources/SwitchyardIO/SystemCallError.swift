// SystemCallError: a failed system call, named, with its errno.
import Glibc

/// A system call that failed with `errno`; never shown raw to clients.
package struct SystemCallError: Error, Hashable, Sendable, CustomStringConvertible {
    package var call: String
    package var errno: Int32

    package init(_ call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    package var description: String {
        "\(self.call): \(String(cString: strerror(self.errno)))"
    }
}

/// The outcome of a non-blocking read or write.
package enum IOResult: Equatable, Sendable {
    /// This many bytes moved.
    case bytes(Int)
    /// The call would block (EAGAIN): wait for readiness.
    case wouldBlock
    /// The peer closed its side (reads only).
    case endOfFile
    /// The call failed; the connection is unusable.
    case failed(SystemCallError)
}

/// Monotonic time in nanoseconds, for timeouts and durations.
@inline(__always)
package func monotonicNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
}
