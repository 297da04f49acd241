// StatsDocument: the daemon's `/stats` JSON decoded with the fields SPEC §7 requires.
import Foundation
import SwitchyardTesting

/// `GET /stats` as SPEC §7 defines it. Decoding fails when a required field is missing or has
/// another type, so decoding alone checks the document's shape; `primary` and `lag_bytes` may be
/// null but must be present, which `decode` checks separately (a synthesized decoder would take a
/// missing key for null).
struct StatsDocument: Decodable {
    struct ConfigStatus: Decodable {
        var path: String
        var loadedAt: Int
        var reloads: Int
        var reloadFailures: Int
    }

    struct Clients: Decodable {
        var connected: Int
        var waiting: Int
        var pinned: Int
    }

    struct Connections: Decodable {
        var active: Int
        var idle: Int
    }

    struct Server: Decodable {
        var host: String
        var port: Int
        var role: String
        var state: String
        var lagBytes: Int?
        var connections: Connections
        var queries: Int
        var reads: Int
        var writes: Int
        var errors: Int

        var address: String { "\(host):\(port)" }
    }

    struct Cluster: Decodable {
        var name: String
        var primary: String?
        var servers: [Server]
        /// Not in SPEC §7: whether PAUSE holds the cluster.
        var paused: Bool?

        func server(_ address: String) -> Server? { servers.first { $0.address == address } }
    }

    struct Totals: Decodable {
        var queries: Int
        var reads: Int
        var writes: Int
        var errors: Int
        var routingErrors: Int
    }

    /// Not in SPEC §7: one pool of server connections (cluster, server, user).
    struct Pool: Decodable {
        var cluster: String
        var server: String
        var user: String
        var database: String
        var active: Int
        var idle: Int
        var waiting: Int
        var maxSize: Int
    }

    var version: String
    var uptimeS: Int
    var config: ConfigStatus
    var clients: Clients
    var clusters: [Cluster]
    var totals: Totals
    var pools: [Pool]?

    func cluster(_ name: String) -> Cluster? { clusters.first { $0.name == name } }

    /// Decodes `body`, also requiring the nullable keys to be present.
    static func decode(_ body: String) throws -> StatsDocument {
        let data = Data(body.utf8)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let document = try decoder.decode(StatsDocument.self, from: data)
        let raw = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        for cluster in raw?["clusters"] as? [[String: Any]] ?? [] {
            guard cluster.keys.contains("primary") else { throw MissingKey(key: "clusters[].primary") }
            for server in cluster["servers"] as? [[String: Any]] ?? [] where !server.keys.contains("lag_bytes") {
                throw MissingKey(key: "clusters[].servers[].lag_bytes")
            }
        }
        return document
    }

    /// `GET /stats` from the admin port, decoded.
    static func fetch(_ client: AdminHTTPClient) throws -> StatsDocument {
        let response = try client.get("/stats")
        guard response.status == 200 else { throw MissingKey(key: "status \(response.status): \(response.body)") }
        return try decode(response.body)
    }

    struct MissingKey: Error, CustomStringConvertible {
        var key: String
        var description: String { "/stats lacks \(key)" }
    }
}
