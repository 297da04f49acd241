// HTTPRequestLine: the first line of a request: method, origin-form target (path and query), version.

/// A parsed request line (RFC 9112 §3): `method SP request-target SP HTTP-version`.
struct RequestLine: Equatable {
    /// Why a request line was refused.
    struct Failure: Error, Equatable {
        var status: HTTPStatus
        var message: String
    }

    var method: String
    var path: String
    var query: [String: String]
    /// `HTTP/1.0` or `HTTP/1.1`.
    var version: String

    static func parse(_ line: ArraySlice<UInt8>) -> Result<RequestLine, Failure> {
        let parts = line.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return .failure(Failure(status: .badRequest, message: "malformed request line")) }
        let method = parts[0]
        guard !method.isEmpty, method.allSatisfy(HTTPRequestParser.isTokenCharacter) else {
            return .failure(Failure(status: .badRequest, message: "malformed method"))
        }
        let version = String(decoding: parts[2], as: UTF8.self)
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            let isHTTP = version.hasPrefix("HTTP/") && version.utf8.count == 8
            return .failure(
                Failure(status: isHTTP ? .httpVersionNotSupported : .badRequest, message: "unsupported version")
            )
        }
        // Only origin-form ("/path?query"): the admin port is never a proxy, and never asked for "*".
        let target = parts[1]
        guard target.first == UInt8(ascii: "/"), target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return .failure(Failure(status: .badRequest, message: "malformed request target"))
        }
        let questionMark = target.firstIndex(of: UInt8(ascii: "?"))
        let path = String(decoding: target[target.startIndex..<(questionMark ?? target.endIndex)], as: UTF8.self)
        var query: [String: String] = [:]
        if let questionMark {
            guard let parsed = Self.parseQuery(target[(questionMark + 1)...]) else {
                return .failure(Failure(status: .badRequest, message: "malformed query string"))
            }
            query = parsed
        }
        return .success(
            RequestLine(method: String(decoding: method, as: UTF8.self), path: path, query: query, version: version)
        )
    }

    /// `name=value&name2=value2` (application/x-www-form-urlencoded): `+` is a space, `%XX` a byte;
    /// a name without `=` has an empty value; the first of repeated names wins. `nil` when a
    /// percent escape is broken or does not decode to UTF-8.
    static func parseQuery(_ query: ArraySlice<UInt8>) -> [String: String]? {
        var result: [String: String] = [:]
        for pair in query.split(separator: UInt8(ascii: "&")) {
            let equals = pair.firstIndex(of: UInt8(ascii: "="))
            guard let name = Self.percentDecoded(pair[pair.startIndex..<(equals ?? pair.endIndex)]),
                let value = Self.percentDecoded(equals.map { pair[($0 + 1)...] } ?? [])
            else { return nil }
            if result[name] == nil { result[name] = value }
        }
        return result
    }

    static func percentDecoded(_ bytes: ArraySlice<UInt8>) -> String? {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.endIndex, let high = Self.hexValue(bytes[index + 1]),
                    let low = Self.hexValue(bytes[index + 2])
                else { return nil }
                decoded.append(high << 4 | low)
                index += 3
                continue
            }
            decoded.append(byte == UInt8(ascii: "+") ? 0x20 : byte)
            index += 1
        }
        return String(validating: decoded, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
