// ConfigDiffTests: reload diffs name exactly what changed between two configurations.
@testable import SwitchyardConfig
import Testing

@Suite struct ConfigDiffTests {
    static let base = """
        [proxy]
        # every key at its default

        [health]
        user = "monitor"

        [[users]]
        name = "app"
        password = "secret"

        [[users]]
        name = "old"
        password = "x"

        [clusters.main]
        pool_size = 20
        [[clusters.main.servers]]
        host = "127.0.0.1"
        port = 5432
        role = "primary"
        [[clusters.main.servers]]
        host = "127.0.0.1"
        port = 5433

        [clusters.legacy]
        servers = [{ host = "127.0.0.1", port = 5440 }]

        [databases.app]
        cluster = "main"
        [[databases.app.routes]]
        tables = ["auth_*"]
        cluster = "legacy"
        """

    static func load(_ text: String) throws -> Config {
        try Config.load(contents: text, path: "t.toml")
    }

    @Test func identicalConfigsHaveAnEmptyDiff() throws {
        let diff = ConfigDiff(old: try Self.load(Self.base), new: try Self.load(Self.base))
        #expect(diff.isEmpty)
        #expect(!diff.listenChanged)
        #expect(diff.restartRequiredKeys.isEmpty)
    }

    @Test func serversClustersAndPoolSizesAreListed() throws {
        let old = try Self.load(Self.base)
        var new = old
        var main = try #require(new.clusters["main"])
        main.servers.remove(at: 1)                                                  // 5433 leaves
        main.servers[0].weight = 5                                                  // 5432 changes
        main.servers.append(ServerConfig(host: "127.0.0.1", port: 5434, role: .replica, weight: 1))
        main.poolSize = 30
        new.clusters["main"] = main
        new.clusters["legacy"] = nil
        new.clusters["shard0"] = ClusterConfig(
            name: "shard0", database: "shard0", user: nil, password: "", poolSize: 20, minPoolSize: 0,
            servers: [ServerConfig(host: "127.0.0.1", port: 5450, role: .primary, weight: 1)])
        new.clusterOrder = ["shard0", "main"]

        let diff = ConfigDiff(old: old, new: new)
        #expect(diff.clustersAdded == ["shard0"])
        #expect(diff.clustersRemoved == ["legacy"])
        var expected = ConfigDiff.ClusterChange(name: "main")
        expected.serversAdded = [ServerConfig(host: "127.0.0.1", port: 5434, role: .replica, weight: 1)]
        expected.serversRemoved = [ServerConfig(host: "127.0.0.1", port: 5433, role: .replica, weight: 1)]
        expected.serversChanged = [ServerConfig(host: "127.0.0.1", port: 5432, role: .primary, weight: 5)]
        expected.poolSize = ConfigDiff.SizeChange(old: 20, new: 30)
        #expect(diff.clustersChanged == [expected])
        #expect(diff.usersAdded.isEmpty && diff.usersRemoved.isEmpty && diff.usersChanged.isEmpty)
        #expect(diff.databasesChanged.isEmpty)
        #expect(!diff.listenChanged)
    }

    @Test func credentialChangesReplaceServerConnections() throws {
        let old = try Self.load(Self.base)
        var new = old
        new.clusters["legacy"]?.user = "svc"
        new.clusters["main"]?.minPoolSize = 2
        let diff = ConfigDiff(old: old, new: new)
        var main = ConfigDiff.ClusterChange(name: "main")
        main.minPoolSize = ConfigDiff.SizeChange(old: 0, new: 2)
        var legacy = ConfigDiff.ClusterChange(name: "legacy")
        legacy.connectionSettingsChanged = true
        #expect(diff.clustersChanged == [main, legacy])
    }

    @Test func usersAddedRemovedAndChanged() throws {
        let old = try Self.load(Self.base)
        var new = old
        new.users = [
            UserConfig(name: "app", password: .plaintext("rotated"), isAdmin: false),
            UserConfig(name: "ops", password: .plaintext("y"), isAdmin: true),
        ]
        let diff = ConfigDiff(old: old, new: new)
        #expect(diff.usersAdded == ["ops"])
        #expect(diff.usersRemoved == ["old"])
        #expect(diff.usersChanged == ["app"])
    }

    @Test func databasesRoutesAndShardsAreTold() throws {
        let old = try Self.load(Self.base)
        var new = old
        new.databases["app"]?.routes[0].cluster = "main"
        new.databases["app"]?.shards = [
            ShardGroup(tables: ["orders"], key: "id", keyType: .bigint, function: .pgHash, clusters: ["main"])
        ]
        new.databases["reports"] = DatabaseConfig(
            name: "reports", cluster: "main", readWriteSplit: true, loadBalance: .random,
            primaryReads: .never, readAfterWrite: .none, readAfterWriteWindowMs: 0, writeFunctions: [],
            crossClusterTransactions: .error, routes: [], shards: [])
        new.databaseOrder.append("reports")
        let diff = ConfigDiff(old: old, new: new)
        #expect(diff.databasesAdded == ["reports"])
        #expect(diff.databasesRemoved.isEmpty)
        #expect(diff.databasesChanged == [
            ConfigDiff.DatabaseChange(name: "app", routesChanged: true, shardsChanged: true, settingsChanged: false)
        ])

        var settingsOnly = old
        settingsOnly.databases["app"]?.loadBalance = .leastConnections
        #expect(ConfigDiff(old: old, new: settingsOnly).databasesChanged == [
            ConfigDiff.DatabaseChange(name: "app", routesChanged: false, shardsChanged: false, settingsChanged: true)
        ])
        #expect(ConfigDiff(old: new, new: old).databasesRemoved == ["reports"])
    }

    /// Each `[proxy]` key, changed alone in the file, is the only key the diff reports.
    @Test(arguments: [
        ("listen", #"listen = "127.0.0.1:7432""#),
        ("admin_listen", #"admin_listen = """#),
        ("admin_token", #"admin_token = "t""#),
        ("workers", "workers = 2"),
        ("pool_mode", #"pool_mode = "session""#),
        ("max_client_connections", "max_client_connections = 5"),
        ("client_login_timeout_ms", "client_login_timeout_ms = 1"),
        ("query_wait_timeout_ms", "query_wait_timeout_ms = 1"),
        ("idle_transaction_timeout_ms", "idle_transaction_timeout_ms = 1"),
        ("shutdown_timeout_ms", "shutdown_timeout_ms = 1"),
        ("max_message_bytes", "max_message_bytes = 10000"),
        ("client_tls", #"client_tls = "disable""#),
        ("server_tls", #"server_tls = "disable""#),
        ("server_tls_ca_file", #"server_tls_ca_file = "/ca.pem""#),
        ("server_connect_timeout_ms", "server_connect_timeout_ms = 1"),
        ("server_idle_timeout_ms", "server_idle_timeout_ms = 1"),
        ("max_prepared_statements", "max_prepared_statements = 1"),
        ("log_level", #"log_level = "error""#),
    ])
    func proxyKeyChangeIsReportedAlone(_ key: String, _ line: String) throws {
        let old = try Self.load(Self.base)
        let new = try Self.load(Self.base.replacingFirst("[proxy]\n", with: "[proxy]\n\(line)\n"))
        let diff = ConfigDiff(old: old, new: new)
        #expect(diff.proxyKeysChanged == [key])
        #expect(diff.listenChanged == (key == "listen"))
        #expect(diff.restartRequiredKeys == (["listen", "admin_listen", "workers"].contains(key) ? [key] : []))
    }

    @Test func tlsFilesAreReportedByKey() throws {
        let old = try Self.load(Self.base)
        let new = try Self.load(Self.base.replacingFirst(
            "[proxy]\n", with: "[proxy]\ntls_cert_file = \"/c.pem\"\ntls_key_file = \"/k.pem\"\n"))
        #expect(ConfigDiff(old: old, new: new).proxyKeysChanged == ["tls_cert_file", "tls_key_file"])
    }

    /// Guards the key list of the diff: every stored property of the settings types is
    /// compared (the TLS certificate pair stands for two keys).
    @Test func everySettingsFieldIsCompared() {
        let proxyFieldCount = Mirror(reflecting: try! Self.load(Self.base).proxy).children.count
        #expect(proxyFieldCount + 1 == 20)   // 18 scalar keys + the two TLS file keys
        let healthFieldCount = Mirror(reflecting: try! Self.load(Self.base).health).children.count
        #expect(healthFieldCount == 8)
    }

    @Test(arguments: [
        ("interval_ms", "interval_ms = 5"),
        ("timeout_ms", "timeout_ms = 5"),
        ("failure_threshold", "failure_threshold = 5"),
        ("max_replica_lag_bytes", "max_replica_lag_bytes = 5"),
        ("promote", #"promote = "auto""#),
        ("promote_after_ms", "promote_after_ms = 5"),
        ("password", #"password = "p""#),
    ])
    func healthKeyChangeIsReportedAlone(_ key: String, _ line: String) throws {
        let old = try Self.load(Self.base)
        let new = try Self.load(Self.base.replacingFirst("[health]\n", with: "[health]\n\(line)\n"))
        #expect(ConfigDiff(old: old, new: new).healthKeysChanged == [key])
    }
}

extension String {
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        self.replacing(target, with: replacement, maxReplacements: 1)
    }
}
