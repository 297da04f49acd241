// SocketAddress: an IPv4 or IPv6 TCP address, parsed or resolved off the event loops.
import Glibc

/// A resolved TCP address usable with `connect`/`bind`.
package struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    /// AF_INET or AF_INET6.
    package let family: Int32
    /// The raw address bytes (4 or 16) in network order.
    package let address: [UInt8]
    package let port: UInt16

    /// Parses a numeric IPv4 or IPv6 address.
    package init?(numericHost host: String, port: Int) {
        guard (0...65535).contains(port) else { return nil }
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            self.family = AF_INET
            self.address = withUnsafeBytes(of: &v4) { Array($0) }
            self.port = UInt16(port)
            return
        }
        var v6 = in6_addr()
        let trimmed = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if inet_pton(AF_INET6, trimmed, &v6) == 1 {
            self.family = AF_INET6
            self.address = withUnsafeBytes(of: &v6) { Array($0) }
            self.port = UInt16(port)
            return
        }
        return nil
    }

    /// Resolves a host name with getaddrinfo. Blocking: call it off the event loops.
    package static func resolve(host: String, port: Int) throws -> [SocketAddress] {
        if let numeric = SocketAddress(numericHost: host, port: port) { return [numeric] }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let first = result else {
            throw SystemCallError("getaddrinfo(\(host))", errno: status == EAI_SYSTEM ? errno : EINVAL)
        }
        defer { freeaddrinfo(first) }
        var addresses: [SocketAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if let address = SocketAddress(sockaddr: info.pointee.ai_addr) { addresses.append(address) }
            cursor = info.pointee.ai_next
        }
        return addresses
    }

    init?(sockaddr pointer: UnsafePointer<sockaddr>?) {
        guard let pointer else { return nil }
        switch Int32(pointer.pointee.sa_family) {
        case AF_INET:
            let sin = UnsafeRawPointer(pointer).load(as: sockaddr_in.self)
            var addr = sin.sin_addr
            self.family = AF_INET
            self.address = withUnsafeBytes(of: &addr) { Array($0) }
            self.port = UInt16(bigEndian: sin.sin_port)
        case AF_INET6:
            let sin6 = UnsafeRawPointer(pointer).load(as: sockaddr_in6.self)
            var addr = sin6.sin6_addr
            self.family = AF_INET6
            self.address = withUnsafeBytes(of: &addr) { Array($0) }
            self.port = UInt16(bigEndian: sin6.sin6_port)
        default:
            return nil
        }
    }

    /// Calls `body` with this address as a `sockaddr` and its length.
    package func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        if self.family == AF_INET {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = self.port.bigEndian
            withUnsafeMutableBytes(of: &sin.sin_addr) { $0.copyBytes(from: self.address) }
            return withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        var sin6 = sockaddr_in6()
        sin6.sin6_family = sa_family_t(AF_INET6)
        sin6.sin6_port = self.port.bigEndian
        withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: self.address) }
        return withUnsafePointer(to: &sin6) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
        }
    }

    /// The host part as text ("127.0.0.1", "::1").
    package var host: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var raw = self.address
        let text = raw.withUnsafeMutableBytes { bytes in
            inet_ntop(self.family, bytes.baseAddress, &buffer, socklen_t(buffer.count))
        }
        guard text != nil else { return "?" }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    package var description: String {
        self.family == AF_INET6 ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }
}
