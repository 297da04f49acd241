// AdminHTTPMessage: the requests and responses of the admin HTTP port, and a response's bytes.

/// An HTTP status code with its reason phrase.
package struct HTTPStatus: Sendable, Equatable {
    package var code: Int
    package var reason: String

    package init(_ code: Int, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    package static let ok = HTTPStatus(200, "OK")
    package static let badRequest = HTTPStatus(400, "Bad Request")
    package static let unauthorized = HTTPStatus(401, "Unauthorized")
    package static let forbidden = HTTPStatus(403, "Forbidden")
    package static let notFound = HTTPStatus(404, "Not Found")
    package static let methodNotAllowed = HTTPStatus(405, "Method Not Allowed")
    package static let requestTimeout = HTTPStatus(408, "Request Timeout")
    package static let contentTooLarge = HTTPStatus(413, "Content Too Large")
    package static let headerFieldsTooLarge = HTTPStatus(431, "Request Header Fields Too Large")
    package static let internalServerError = HTTPStatus(500, "Internal Server Error")
    package static let notImplemented = HTTPStatus(501, "Not Implemented")
    package static let serviceUnavailable = HTTPStatus(503, "Service Unavailable")
    package static let httpVersionNotSupported = HTTPStatus(505, "HTTP Version Not Supported")
}

/// A header field; names of parsed requests are lower-cased (they are case-insensitive).
package struct HTTPHeader: Sendable, Equatable {
    package var name: String
    package var value: String

    package init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// One parsed request.
package struct AdminRequest: Sendable, Equatable {
    /// The method as sent (methods are case-sensitive: `get` is not `GET`).
    package var method: String
    /// The path of the request target, without the query.
    package var path: String
    /// Query parameters, percent-decoded; the first of repeated names wins.
    package var query: [String: String]
    package var headers: [HTTPHeader]
    package var body: [UInt8]

    package init(
        method: String,
        path: String,
        query: [String: String] = [:],
        headers: [HTTPHeader] = [],
        body: [UInt8] = []
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The value of the first header named `name` (any case).
    package func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return self.headers.first { $0.name == lowered }?.value
    }
}

/// A response, before framing.
package struct AdminResponse: Sendable, Equatable {
    package var status: HTTPStatus
    package var contentType: String
    package var body: [UInt8]
    /// Headers beyond the ones every response gets (see `serialized`).
    package var headers: [HTTPHeader]

    package init(status: HTTPStatus, contentType: String, body: [UInt8], headers: [HTTPHeader] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }

    /// A plain-text response; a final newline is added so that curl output ends cleanly.
    package static func text(_ status: HTTPStatus, _ text: String, headers: [HTTPHeader] = []) -> AdminResponse {
        AdminResponse(
            status: status,
            contentType: "text/plain; charset=utf-8",
            body: Array((text + "\n").utf8),
            headers: headers
        )
    }

    package static func json(_ status: HTTPStatus, _ json: String) -> AdminResponse {
        AdminResponse(status: status, contentType: "application/json", body: Array(json.utf8))
    }

    /// The bytes on the wire. Every response closes the connection (one request per connection
    /// keeps the server simple; admin traffic is a poll every few seconds), is never cached, and
    /// tells browsers not to guess its content type.
    ///
    /// - Parameters:
    ///   - includeBody: `false` for HEAD: the same headers, no body.
    ///   - date: the `Date` header's value (IMF-fixdate), when the caller has a clock.
    package func serialized(includeBody: Bool = true, date: String? = nil) -> [UInt8] {
        var head = "HTTP/1.1 \(self.status.code) \(self.status.reason)\r\n"
        if let date { head += "Date: \(date)\r\n" }
        head += "Content-Type: \(self.contentType)\r\n"
        head += "Content-Length: \(self.body.count)\r\n"
        head += "Connection: close\r\n"
        head += "Cache-Control: no-store\r\n"
        head += "X-Content-Type-Options: nosniff\r\n"
        for header in self.headers { head += "\(header.name): \(header.value)\r\n" }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if includeBody { bytes += self.body }
        return bytes
    }
}
