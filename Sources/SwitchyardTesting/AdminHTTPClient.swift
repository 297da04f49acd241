// AdminHTTPClient: a small blocking HTTP/1.1 client for the daemon's admin port under test.
import Foundation
import Glibc

/// One answer from the admin port.
package struct AdminHTTPResponse: Sendable {
    package var status: Int
    /// Header names lower-cased; a repeated header keeps its last value.
    package var headers: [String: String]
    package var body: String

    /// The body parsed as a JSON object (`/stats`, the answers of the POST routes).
    package func jsonObject() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else {
            throw LocalError.commandFailed(command: "parse JSON", status: .exited(1), output: body)
        }
        return object
    }
}

/// Sends one request per connection (`Connection: close`) to `127.0.0.1:port` and reads the
/// answer up to the server's close, so no chunked or keep-alive handling is needed.
package struct AdminHTTPClient: Sendable {
    package let port: Int

    package init(port: Int) {
        self.port = port
    }

    package func get(_ path: String, headers: [String: String] = [:], timeout: Double = 10) throws
        -> AdminHTTPResponse
    {
        try request("GET", path, headers: headers, timeout: timeout)
    }

    /// A POST with an empty body (the admin routes take their arguments from the query string).
    package func post(_ path: String, headers: [String: String] = [:], timeout: Double = 10) throws
        -> AdminHTTPResponse
    {
        try request("POST", path, headers: headers.merging(["Content-Length": "0"]) { $1 }, timeout: timeout)
    }

    /// `GET /stats`, which must answer 200, as a JSON object.
    package func stats() throws -> [String: Any] {
        let response = try get("/stats")
        guard response.status == 200 else {
            throw LocalError.commandFailed(command: "GET /stats", status: .exited(Int32(response.status)), output: response.body)
        }
        return try response.jsonObject()
    }

    package func request(_ method: String, _ path: String, headers: [String: String] = [:], timeout: Double = 10)
        throws -> AdminHTTPResponse
    {
        let descriptor = try connect(timeout: timeout)
        defer { close(descriptor) }
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { text += "\(name): \(value)\r\n" }
        text += "\r\n"
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes {
                send(descriptor, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
            }
            guard count > 0 else { throw LocalError.systemCall(name: "send", errno: errno) }
            sent += count
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = Monotonic.now + timeout
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received += buffer[..<count]
            } else if count == 0 || errno == ECONNRESET {
                break
            } else if errno == EINTR {
                continue
            } else {
                throw LocalError.timedOut(what: "\(method) \(path) on port \(port)", seconds: timeout)
            }
            if Monotonic.now > deadline {
                throw LocalError.timedOut(what: "\(method) \(path) on port \(port)", seconds: timeout)
            }
        }
        return try Self.parse(received, what: "\(method) \(path)")
    }

    private static func parse(_ bytes: [UInt8], what: String) throws -> AdminHTTPResponse {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else {
            throw LocalError.commandFailed(command: what, status: .exited(1), output: "malformed response: \(text)")
        }
        var lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]) else {
            throw LocalError.commandFailed(command: what, status: .exited(1), output: "malformed status line: \(text)")
        }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...]
                .trimmingCharacters(in: .whitespaces)
        }
        return AdminHTTPResponse(status: status, headers: headers, body: String(text[split.upperBound...]))
    }

    private func connect(timeout: Double) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw LocalError.systemCall(name: "socket", errno: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let error = errno
            close(descriptor)
            throw LocalError.systemCall(name: "connect to admin port \(port)", errno: error)
        }
        var interval = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        return descriptor
    }
}
