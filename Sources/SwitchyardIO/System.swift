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

extension System {
    /// The machine's host name ("" when it cannot be read).
    package static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Binds a Linux abstract unix socket named `name` and keeps it for the life of the process:
    /// `true` when no live process on this host (network namespace) holds the name. The kernel
    /// releases it when the process ends, however it ends, so it marks a live owner without files.
    package static func holdAbstractName(_ name: String) -> Bool {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(name.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count + 1 <= capacity else {
            close(descriptor)
            return false
        }
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            path[0] = 0  // abstract namespace
            for (index, byte) in bytes.enumerated() { path[index + 1] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + 1 + bytes.count)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else {
            close(descriptor)
            return false
        }
        return true  // the descriptor stays open until the process ends
    }
}
