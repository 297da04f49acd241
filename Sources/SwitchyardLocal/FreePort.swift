// FreePort: picks TCP ports on 127.0.0.1 that nothing listens on, for servers and proxies under test.
import Glibc
import Synchronization

/// Chooses free loopback ports at random in 20000–29999.
///
/// The kernel's ephemeral range (32768 and up) is avoided on purpose: outgoing connections take
/// ports from it, so a port found free there can be gone a moment later. A port is free when a
/// socket can bind it; each port is handed out once per process, so that two servers being
/// started at the same time never get the same one. A server that still loses its port to another
/// process retries with a new one (see `LocalPostgres.start`).
package enum FreePort {
    /// The range ports are chosen from.
    package static let range = 20000...29999

    private static let handedOut = Mutex<Set<Int>>([])

    /// A port in `range` that is free now and was not returned before by this process.
    package static func next() throws -> Int {
        for _ in 0..<500 {
            let port = Int.random(in: range)
            let isNew = handedOut.withLock { $0.insert(port).inserted }
            if isNew && isFree(port) { return port }
        }
        throw LocalError.noFreePort
    }

    /// Whether a TCP socket can bind 127.0.0.1:`port` now.
    package static func isFree(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return bound == 0
    }
}
