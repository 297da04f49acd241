// SystemdNotifier: tells systemd (Type=notify) that the daemon is ready, reloading or stopping.
import Glibc
import SwitchyardIO

/// The sd_notify protocol, without libsystemd: each state change is one datagram of
/// newline-separated `KEY=VALUE` assignments sent to the unix datagram socket named by
/// `$NOTIFY_SOCKET`, a file system path or, when it starts with `@`, an abstract socket name.
/// Without that variable (not started by systemd) every call does nothing.
/// Protocol: https://www.freedesktop.org/software/systemd/man/latest/sd_notify.html
package struct SystemdNotifier: Sendable {
    /// The socket from `$NOTIFY_SOCKET`; `nil` makes the notifier a no-op.
    package let socketPath: String?

    /// - Parameter socketPath: the value of `$NOTIFY_SOCKET`; `nil` or empty disables notifying.
    package init(socketPath: String?) {
        self.socketPath = socketPath.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A notifier for the socket systemd passed in the environment, if any.
    package static func fromEnvironment() -> SystemdNotifier {
        SystemdNotifier(socketPath: getenv("NOTIFY_SOCKET").map { String(cString: $0) })
    }

    package var isEnabled: Bool { self.socketPath != nil }

    /// The service finished starting (or reloading): it accepts clients.
    @discardableResult
    package func ready(status: String? = nil) -> Bool {
        self.notify(["READY=1"] + (status.map { ["STATUS=" + Self.singleLine($0)] } ?? []))
    }

    /// A reload began. systemd needs the monotonic time of the request (CLOCK_MONOTONIC, µs) to
    /// tell this reload from an earlier one; `ready()` ends it.
    @discardableResult
    package func reloading() -> Bool {
        self.notify(["RELOADING=1", "MONOTONIC_USEC=\(monotonicNanoseconds() / 1000)"])
    }

    /// Shutdown began.
    @discardableResult
    package func stopping() -> Bool {
        self.notify(["STOPPING=1"])
    }

    /// A one-line status shown by `systemctl status`.
    @discardableResult
    package func status(_ text: String) -> Bool {
        self.notify(["STATUS=" + Self.singleLine(text)])
    }

    /// Sends the assignments as one datagram. Returns whether it was sent; `false` also when
    /// notifying is disabled. Failures are not errors: the daemon runs the same without systemd.
    @discardableResult
    package func notify(_ assignments: [String]) -> Bool {
        guard let socketPath = self.socketPath else { return false }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socketPath.utf8)
        let isAbstract = path.first == UInt8(ascii: "@")
        if isAbstract { path[0] = 0 }  // abstract names start with a NUL byte instead of '@'
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        // A path needs room for its terminating NUL; an abstract name is counted by length alone.
        guard path.count + (isAbstract ? 0 : 1) <= capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        let length = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + path.count + (isAbstract ? 0 : 1)

        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let message = Array(assignments.joined(separator: "\n").utf8)
        let sent = message.withUnsafeBytes { bytes in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), $0, socklen_t(length))
                }
            }
        }
        return sent == message.count
    }

    /// Values may not contain newlines: they would start a new assignment.
    private static func singleLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }
}
