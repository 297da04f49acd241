// ProxyStats: the parts of a running proxy's `GET /stats` document that tests check, fetched over
// a plain loopback HTTP/1.1 exchange.
import Foundation
import Glibc

/// The clusters and servers of one `/stats` answer (SPEC §7 field names).
package struct ProxyStats: Sendable {
    /// One entry of a cluster's `servers`.
    package struct Server: Sendable, Equatable {
        package var host: String
        package var port: Int
        /// `primary` or `replica`.
        package var role: String
        /// `up`, `down` or `fenced`.
        package var state: String
        /// `lag_bytes`; nil when the document has `null`.
        package var lagBytes: Int?
        package var queries: Int
        package var reads: Int
        package var writes: Int
        package var errors: Int

        /// `host:port`, as `primary` names servers.
        package var address: String { "\(host):\(port)" }
    }

    /// One entry of `clusters`.
    package struct Cluster: Sendable, Equatable {
        package var name: String
        /// `host:port` of the primary, nil when the cluster has none.
        package var primary: String?
        package var servers: [Server]

        /// The server listening on `port`.
        package func server(port: Int) -> Server? { servers.first { $0.port == port } }
    }

    package var clusters: [Cluster]

    /// The cluster `name`.
    package func cluster(_ name: String) -> Cluster? { clusters.first { $0.name == name } }

    /// Reads a `/stats` body.
    /// - Throws: `LocalError.commandFailed` with the body when it is not the expected shape.
    package init(json: String) throws {
        func malformed(_ what: String) -> LocalError {
            LocalError.commandFailed(command: "GET /stats (\(what))", status: .exited(0), output: json)
        }
        guard let root = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let clusters = root["clusters"] as? [[String: Any]]
        else { throw malformed("no clusters") }
        self.clusters = try clusters.map { cluster in
            guard let name = cluster["name"] as? String, let servers = cluster["servers"] as? [[String: Any]] else {
                throw malformed("cluster")
            }
            return Cluster(
                name: name, primary: cluster["primary"] as? String,
                servers: try servers.map { server in
                    guard let host = server["host"] as? String, let port = server["port"] as? Int,
                        let role = server["role"] as? String, let state = server["state"] as? String
                    else { throw malformed("server") }
                    return Server(
                        host: host, port: port, role: role, state: state, lagBytes: server["lag_bytes"] as? Int,
                        queries: server["queries"] as? Int ?? 0, reads: server["reads"] as? Int ?? 0,
                        writes: server["writes"] as? Int ?? 0, errors: server["errors"] as? Int ?? 0)
                })
        }
    }

    /// `GET /stats` from the admin server on 127.0.0.1:`port`.
    package static func fetch(adminPort port: Int, timeout: Double = 5) throws -> ProxyStats {
        let (status, body) = try httpGet(port: port, path: "/stats", timeout: timeout)
        guard status == 200 else {
            throw LocalError.commandFailed(command: "GET /stats", status: .exited(Int32(status)), output: body)
        }
        return try ProxyStats(json: body)
    }

    /// One HTTP/1.1 GET on a new connection, read until the server closes (the admin server
    /// closes after every response). Returns the status code and the body.
    package static func httpGet(port: Int, path: String, timeout: Double = 5) throws -> (status: Int, body: String) {
        let connection = try RawConnection(port: port)
        defer { connection.close() }
        var interval = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(connection.descriptor, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        guard connection.send(Array(request.utf8)) else {
            throw LocalError.commandFailed(command: "GET \(path)", status: .exited(1), output: "send failed")
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        let deadline = Monotonic.now + timeout
        while Monotonic.now < deadline {
            let count = buffer.withUnsafeMutableBytes { recv(connection.descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received += buffer[0..<count]
            } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                break
            }
        }
        let text = String(decoding: received, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n"), let statusLine = text.split(separator: "\r\n").first,
            let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "")
        else {
            throw LocalError.commandFailed(command: "GET \(path)", status: .exited(1), output: text)
        }
        return (status, String(text[split.upperBound...]))
    }
}
