// HTTPRequestParser: reads one HTTP/1.x request (RFC 9112) from the bytes received so far.

/// The outcome of parsing what a connection has received so far.
package enum HTTPParseResult: Sendable, Equatable {
    /// More bytes are needed.
    case incomplete
    /// A whole request, and how many bytes it took.
    case complete(AdminRequest, consumed: Int)
    /// The request cannot be served; answer with `status` and close.
    case failed(HTTPStatus, String)
}

/// A strict parser for the small requests the admin port serves. It is re-run on the whole buffer
/// after every read: requests are a few hundred bytes, and no state survives between reads.
///
/// Strict where leniency invites request smuggling or ambiguity (RFC 9112 §11.2): no whitespace
/// before a header colon, no line folding, no bare CR, Content-Length digits only and agreeing when
/// repeated, no Transfer-Encoding (we never need a chunked body), Host required in HTTP/1.1.
/// Lenient where RFC 9112 allows it: bare LF line ends, empty lines before the request line.
package struct HTTPRequestParser: Sendable {
    /// The request line and headers may take this many bytes, terminating blank line included.
    package var maxHeaderBytes: Int
    package var maxBodyBytes: Int

    package init(maxHeaderBytes: Int = 16 * 1024, maxBodyBytes: Int = 8 * 1024) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
    }

    package func parse(_ bytes: UnsafeRawBufferPointer) -> HTTPParseResult {
        var start = 0
        // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request line.
        while start < bytes.count && (bytes[start] == 0x0D || bytes[start] == 0x0A) { start += 1 }
        guard let (headEnd, bodyStart) = Self.endOfHead(bytes, from: start) else {
            if bytes.count - start > self.maxHeaderBytes {
                return .failed(.headerFieldsTooLarge, "request head larger than \(self.maxHeaderBytes) bytes")
            }
            return .incomplete
        }
        guard bodyStart - start <= self.maxHeaderBytes else {
            return .failed(.headerFieldsTooLarge, "request head larger than \(self.maxHeaderBytes) bytes")
        }
        let head = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<headEnd]))
        var lines = head.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            line.last == 0x0D ? line.dropLast() : line
        }
        guard !lines.isEmpty else { return .failed(.badRequest, "empty request") }
        let requestLine = lines.removeFirst()

        let target: RequestLine
        switch RequestLine.parse(requestLine) {
        case .success(let line): target = line
        case .failure(let failure): return .failed(failure.status, failure.message)
        }
        var headers: [HTTPHeader] = []
        for line in lines {
            guard let header = Self.header(line) else { return .failed(.badRequest, "malformed header line") }
            headers.append(header)
        }

        if headers.contains(where: { $0.name == "transfer-encoding" }) {
            return .failed(.notImplemented, "transfer codings are not supported; send Content-Length")
        }
        let hosts = headers.filter { $0.name == "host" }
        if target.version == "HTTP/1.1" && hosts.count != 1 {
            return .failed(.badRequest, "an HTTP/1.1 request needs exactly one Host header")
        }
        let lengths = Set(headers.filter { $0.name == "content-length" }.map(\.value))
        var bodyLength = 0
        if let length = lengths.first {
            guard lengths.count == 1, !length.isEmpty, length.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                return .failed(.badRequest, "invalid Content-Length")
            }
            guard length.utf8.count <= 9, let value = Int(length), value <= self.maxBodyBytes else {
                return .failed(.contentTooLarge, "request body larger than \(self.maxBodyBytes) bytes")
            }
            bodyLength = value
        }
        guard bytes.count - bodyStart >= bodyLength else { return .incomplete }
        let body = Array(UnsafeRawBufferPointer(rebasing: bytes[bodyStart..<(bodyStart + bodyLength)]))
        let request = AdminRequest(
            method: target.method,
            path: target.path,
            query: target.query,
            headers: headers,
            body: body
        )
        return .complete(request, consumed: bodyStart + bodyLength)
    }

    /// Where the head ends (at the line feed of its last line, so no empty line follows in it) and
    /// where the body starts (after the blank line, which is ended by CRLF or LF).
    private static func endOfHead(_ bytes: UnsafeRawBufferPointer, from start: Int) -> (Int, Int)? {
        var index = start
        while index < bytes.count {
            if bytes[index] == 0x0A {
                // A line feed followed by CRLF or LF ends the head.
                if index + 1 < bytes.count && bytes[index + 1] == 0x0A { return (index, index + 2) }
                if index + 2 < bytes.count && bytes[index + 1] == 0x0D && bytes[index + 2] == 0x0A {
                    return (index, index + 3)
                }
            }
            index += 1
        }
        return nil
    }

    /// `name: value` with a token name, optional whitespace around the value, and no control
    /// characters other than tab in it. Names are lower-cased.
    private static func header(_ line: ArraySlice<UInt8>) -> HTTPHeader? {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else { return nil }
        let name = line[line.startIndex..<colon]
        guard name.allSatisfy(Self.isTokenCharacter) else { return nil }
        var value = line[(colon + 1)...]
        while let first = value.first, first == 0x20 || first == 0x09 { value = value.dropFirst() }
        while let last = value.last, last == 0x20 || last == 0x09 { value = value.dropLast() }
        guard value.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else { return nil }
        return HTTPHeader(String(decoding: name, as: UTF8.self).lowercased(), String(decoding: value, as: UTF8.self))
    }

    /// RFC 9110 §5.6.2 `tchar`.
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
