// ListenAddress: a host and port to listen on, parsed from "IPv4:PORT" or "[IPv6]:PORT".

/// An address to listen on: an IP literal and a port, as `listen` and `admin_listen` give it.
///
/// Only IP literals are accepted (`0.0.0.0` and `[::]` mean every interface), so the listener
/// can bind without a name lookup and a typo cannot resolve to an unexpected interface.
package struct ListenAddress: Hashable, Sendable, CustomStringConvertible {
    /// The address family to bind with.
    package enum Family: Hashable, Sendable {
        /// Written `IPv4:PORT`.
        case ipv4
        /// Written `[IPv6]:PORT`.
        case ipv6
    }

    /// The IP literal without brackets: `127.0.0.1`, `::1`.
    package var host: String
    /// 1...65535.
    package var port: Int
    package var family: Family

    package init(host: String, port: Int, family: Family) {
        self.host = host
        self.port = port
        self.family = family
    }

    /// `127.0.0.1:6432` or `[::1]:6432`, as written in the file.
    package var description: String {
        switch self.family {
        case .ipv4: return "\(self.host):\(self.port)"
        case .ipv6: return "[\(self.host)]:\(self.port)"
        }
    }

    /// Parses `IPv4:PORT` or `[IPv6]:PORT`; nil if `text` is neither or the port is not 1...65535.
    package init?(parsing text: String) {
        let hostPart: Substring
        let portPart: Substring
        let family: Family
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.first == ":" else { return nil }
            portPart = rest.dropFirst()
            guard Self.isIPv6(hostPart) else { return nil }
            family = .ipv6
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            guard Self.isIPv4(hostPart) else { return nil }
            family = .ipv4
        }
        guard !portPart.isEmpty, portPart.count <= 5, portPart.allSatisfy(\.isASCIIDigit),
            let port = Int(portPart), (1...65535).contains(port)
        else { return nil }
        self.init(host: String(hostPart), port: port, family: family)
    }

    /// Four decimal octets 0...255 without leading zeros (which some parsers read as octal).
    static func isIPv4(_ text: Substring) -> Bool {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return false }
        return octets.allSatisfy { octet in
            guard !octet.isEmpty, octet.count <= 3, octet.allSatisfy(\.isASCIIDigit),
                let value = Int(octet), value <= 255
            else { return false }
            return octet.count == 1 || octet.first != "0"
        }
    }

    /// RFC 4291 section 2.2 text forms: eight groups of 1-4 hex digits, one `::` standing for
    /// one or more zero groups, and an optional dotted IPv4 tail counting as two groups.
    static func isIPv6(_ text: Substring) -> Bool {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCIIHexDigit || $0 == ":" || $0 == "." }) else {
            return false
        }
        let halves = text.split(separator: "::", omittingEmptySubsequences: false)
        guard halves.count <= 2 else { return false }
        var groupCount = 0
        for (halfIndex, half) in halves.enumerated() {
            if half.isEmpty { continue }
            let groups = half.split(separator: ":", omittingEmptySubsequences: false)
            for (groupIndex, group) in groups.enumerated() {
                let isLastGroup = halfIndex == halves.count - 1 && groupIndex == groups.count - 1
                if group.contains(".") {
                    guard isLastGroup, Self.isIPv4(group) else { return false }
                    groupCount += 2
                } else {
                    guard (1...4).contains(group.count), group.allSatisfy(\.isASCIIHexDigit) else {
                        return false
                    }
                    groupCount += 1
                }
            }
        }
        return halves.count == 2 ? groupCount <= 7 : groupCount == 8
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool {
        guard let ascii = self.asciiValue else { return false }
        return (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(ascii)
    }

    /// `Character.isHexDigit` also accepts fullwidth forms, which no address may contain.
    fileprivate var isASCIIHexDigit: Bool {
        guard let ascii = self.asciiValue else { return false }
        return (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(ascii)
            || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(ascii)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(ascii)
    }
}
