// SystemdNotifierTests: the exact sd_notify datagrams, received on a real unix datagram socket.
import Foundation
import Glibc
import SwitchyardDaemon
import Testing

/// A unix datagram socket standing in for systemd's notification socket.
final class NotifySocket {
    let fd: Int32
    /// The value `$NOTIFY_SOCKET` would have: a path, or `@name` for an abstract socket.
    let name: String
    private let directory: String?

    /// Binds a socket in a fresh temporary directory, or in the abstract namespace.
    init(abstract: Bool) throws {
        self.fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try #require(self.fd >= 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path: [UInt8]
        if abstract {
            self.directory = nil
            self.name = "@switchyard-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            path = Array(self.name.utf8)
            path[0] = 0
        } else {
            let directory = NSTemporaryDirectory() + "switchyard-notify-\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            self.directory = directory
            self.name = directory + "/notify.sock"
            path = Array(self.name.utf8) + [0]
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + path.count)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(self.fd, $0, length) }
        }
        try #require(bound == 0, "bind: errno \(errno)")
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(self.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit {
        close(self.fd)
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// The next datagram, or `nil` after two seconds without one.
    func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(self.fd, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}

@Suite("systemd notifications")
struct SystemdNotifierTests {
    /// The assignments each call sends, as sd_notify(3) spells them.
    @Test(arguments: [false, true])
    func sendsTheExactDatagrams(abstract: Bool) throws {
        let socket = try NotifySocket(abstract: abstract)
        let notifier = SystemdNotifier(socketPath: socket.name)
        #expect(notifier.isEnabled)

        #expect(notifier.ready())
        #expect(socket.receive() == "READY=1")
        #expect(notifier.ready(status: "serving 2 clusters"))
        #expect(socket.receive() == "READY=1\nSTATUS=serving 2 clusters")
        #expect(notifier.status("reload failed:\nline 3"))
        #expect(socket.receive() == "STATUS=reload failed: line 3")
        #expect(notifier.stopping())
        #expect(socket.receive() == "STOPPING=1")
    }

    /// RELOADING=1 carries CLOCK_MONOTONIC in microseconds, read when the reload starts.
    @Test func reloadingCarriesTheMonotonicClock() throws {
        let socket = try NotifySocket(abstract: false)
        let notifier = SystemdNotifier(socketPath: socket.name)
        let before = Self.monotonicMicroseconds()
        #expect(notifier.reloading())
        let after = Self.monotonicMicroseconds()
        let datagram = try #require(socket.receive())
        let lines = datagram.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2)
        #expect(lines.first == "RELOADING=1")
        let value = try #require(
            lines.last.flatMap { $0.hasPrefix("MONOTONIC_USEC=") ? UInt64($0.dropFirst(15)) : nil }
        )
        #expect(value >= before && value <= after)
    }

    @Test(arguments: [nil, ""] as [String?])
    func withoutASocketNothingIsSent(socketPath: String?) {
        let notifier = SystemdNotifier(socketPath: socketPath)
        #expect(!notifier.isEnabled)
        #expect(!notifier.ready())
        #expect(!notifier.reloading())
    }

    @Test func aMissingSocketIsNotAnError() {
        let notifier = SystemdNotifier(
            socketPath: NSTemporaryDirectory() + "no-such-dir-\(UInt32.random(in: 0...UInt32.max))/notify"
        )
        #expect(!notifier.ready())
        let tooLong = SystemdNotifier(socketPath: "/" + String(repeating: "a", count: 200))
        #expect(!tooLong.ready())
    }

    private static func monotonicMicroseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000 + UInt64(spec.tv_nsec) / 1000
    }
}
