// ExampleConfigTests: the repository's config/switchyard.toml is valid and shows every key.
import Foundation
@testable import SwitchyardConfig
import Testing

@Suite struct ExampleConfigTests {
    /// `config/switchyard.toml` at the repository root, found from this file's path.
    static var examplePath: String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()   // SwitchyardConfigTests
            .deletingLastPathComponent()   // Tests
            .deletingLastPathComponent()   // repository root
            .appendingPathComponent("config/switchyard.toml").path
    }

    static func exampleText() throws -> String {
        try String(contentsOfFile: Self.examplePath, encoding: .utf8)
    }

    @Test func exampleConfigIsValid() throws {
        let text = try Self.exampleText()
        let config: Config
        do {
            config = try Config.load(contents: text, path: "config/switchyard.toml")
        } catch {
            Issue.record("config/switchyard.toml is invalid:\n\(error)")
            return
        }
        #expect(config.clusterOrder == ["main", "users", "shard0", "shard1"])
        #expect(config.clusters["main"]?.servers.map(\.address) == ["127.0.0.1:5432", "127.0.0.1:5433"])
        #expect(config.clusters["main"]?.servers.map(\.role) == [.primary, .replica])
        #expect(config.databaseOrder == ["app"])
        #expect(config.databases["app"]?.routes == [RouteRule(tables: ["auth_*", "django_session"], cluster: "users")])
        #expect(config.databases["app"]?.shards.map(\.clusters) == [["shard0", "shard1"]])
    }

    /// Every key of SPEC section 2 and of the later issues, spelled out in the example.
    static let everyKey: [[ConfigKeyPath.Component]] = {
        let proxy = [
            "listen", "admin_listen", "admin_token", "workers", "pool_mode", "max_client_connections",
            "client_login_timeout_ms", "query_wait_timeout_ms", "idle_transaction_timeout_ms",
            "shutdown_timeout_ms", "max_message_bytes", "tls_cert_file", "tls_key_file", "client_tls",
            "server_tls", "server_tls_ca_file", "server_connect_timeout_ms", "server_idle_timeout_ms",
            "max_prepared_statements", "log_level",
        ].map { [ConfigKeyPath.Component.key("proxy"), .key($0)] }
        let health = [
            "interval_ms", "timeout_ms", "failure_threshold", "max_replica_lag_bytes", "promote",
            "promote_after_ms", "user", "password",
        ].map { [ConfigKeyPath.Component.key("health"), .key($0)] }
        let users = ["name", "password", "admin"].map { [ConfigKeyPath.Component.key("users"), .index(0), .key($0)] }
        let cluster = ["database", "user", "password", "pool_size", "min_pool_size"]
            .map { [ConfigKeyPath.Component.key("clusters"), .key("main"), .key($0)] }
        let server = ["host", "port", "role", "weight"]
            .map { [ConfigKeyPath.Component.key("clusters"), .key("main"), .key("servers"), .index(1), .key($0)] }
        let database = [
            "cluster", "read_write_split", "load_balance", "primary_reads", "read_after_write",
            "read_after_write_window_ms", "write_functions", "cross_cluster_transactions",
        ].map { [ConfigKeyPath.Component.key("databases"), .key("app"), .key($0)] }
        let route = ["tables", "cluster"]
            .map { [ConfigKeyPath.Component.key("databases"), .key("app"), .key("routes"), .index(0), .key($0)] }
        let shard = ["tables", "key", "key_type", "function", "clusters"]
            .map { [ConfigKeyPath.Component.key("databases"), .key("app"), .key("shards"), .index(0), .key($0)] }
        return proxy + health + users + cluster + server + database + route + shard
    }()

    @Test func exampleConfigWritesEveryKey() throws {
        let locator = TOMLLineLocator(text: try Self.exampleText())
        for components in Self.everyKey {
            let path = ConfigKeyPath(components)
            #expect(locator.line(of: path) != nil, "config/switchyard.toml does not show \(path)")
        }
    }
}
