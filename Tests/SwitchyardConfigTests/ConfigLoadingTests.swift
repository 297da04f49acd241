// ConfigLoadingTests: valid files decode to exactly the expected typed values and defaults.
@testable import SwitchyardConfig
import Testing

@Suite struct ConfigLoadingTests {
    /// Every key set, and set to a value other than its default, so a key that is not read
    /// (and silently defaulted) fails the test.
    static let fullConfig = #"""
        [proxy]
        listen = "[::1]:7432"
        admin_listen = "0.0.0.0:7480"
        admin_token = "t0ken"
        workers = 4
        pool_mode = "session"
        max_client_connections = 500
        client_login_timeout_ms = 6000
        query_wait_timeout_ms = 7000
        idle_transaction_timeout_ms = 8000
        shutdown_timeout_ms = 9000
        max_message_bytes = 1048576
        tls_cert_file = "/etc/switchyard/cert.pem"
        tls_key_file = "/etc/switchyard/key.pem"
        client_tls = "require"
        server_tls = "require"
        server_tls_ca_file = "/etc/switchyard/ca.pem"
        server_connect_timeout_ms = 3000
        server_idle_timeout_ms = 60000
        max_prepared_statements = 200
        log_level = "debug"

        [health]
        interval_ms = 500
        timeout_ms = 250
        failure_threshold = 3
        max_replica_lag_bytes = 1024
        promote = "auto"
        promote_after_ms = 20000
        user = "monitor"
        password = "m0nitor"

        [[users]]
        name = "app"
        password = "md56a422f785c9e20873908ce25d1736ae2"
        admin = false

        [[users]]
        name = "admin"
        password = "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU="
        admin = true

        [[users]]
        name = "plain"
        password = "pa$$ = word"

        [clusters.users]
        database = "accounts"
        user = "svc"
        password = "svcpw"
        pool_size = 5
        min_pool_size = 2
        servers = [{ host = "db1.internal", port = 6543, role = "primary", weight = 0 }]

        [clusters.main]
        database = "app"
        pool_size = 30
        min_pool_size = 1

        [[clusters.main.servers]]
        host = "127.0.0.1"
        port = 5432
        role = "primary"

        [[clusters.main.servers]]
        host = "::1"
        port = 5433
        role = "replica"
        weight = 3

        [databases.app]
        cluster = "main"
        read_write_split = false
        load_balance = "least_connections"
        primary_reads = "always"
        read_after_write = "lsn"
        read_after_write_window_ms = 0
        write_functions = ["audit_log", "app.bump"]
        cross_cluster_transactions = "error"

        [[databases.app.routes]]
        tables = ["auth_*", "public.django_session"]
        cluster = "users"

        [[databases.app.routes]]
        tables = ["log?"]
        cluster = "main"

        [[databases.app.shards]]
        tables = ["customers"]
        key = "email"
        key_type = "text"
        function = "pg_hash"
        clusters = ["main", "users"]

        [[databases.app.shards]]
        tables = ["orders", "order_items"]
        key = "customer_id"
        function = "modulo"
        clusters = ["users", "main"]

        [databases.reports]
        cluster = "users"
        """#

    @Test func fullConfigDecodesEveryKey() throws {
        let config = try Config.load(contents: Self.fullConfig, path: "full.toml")

        #expect(config.path == "full.toml")
        #expect(config.proxy == ProxySettings(
            listen: ListenAddress(host: "::1", port: 7432, family: .ipv6),
            adminListen: ListenAddress(host: "0.0.0.0", port: 7480, family: .ipv4),
            adminToken: "t0ken",
            workers: 4,
            poolMode: .session,
            maxClientConnections: 500,
            clientLoginTimeoutMs: 6000,
            queryWaitTimeoutMs: 7000,
            idleTransactionTimeoutMs: 8000,
            shutdownTimeoutMs: 9000,
            maxMessageBytes: 1_048_576,
            tlsCertificate: TLSCertificateFiles(
                certFile: "/etc/switchyard/cert.pem", keyFile: "/etc/switchyard/key.pem"),
            clientTLS: .require,
            serverTLS: .require,
            serverTLSCAFile: "/etc/switchyard/ca.pem",
            serverConnectTimeoutMs: 3000,
            serverIdleTimeoutMs: 60000,
            maxPreparedStatements: 200,
            logLevel: .debug
        ))
        #expect(config.health == HealthSettings(
            intervalMs: 500, timeoutMs: 250, failureThreshold: 3, maxReplicaLagBytes: 1024,
            promote: .auto, promoteAfterMs: 20000, user: "monitor", password: "m0nitor"
        ))
        #expect(config.users == [
            // md5("secret" || "app"), computed with Python's hashlib.md5(b"secretapp").
            UserConfig(name: "app", password: .md5("6a422f785c9e20873908ce25d1736ae2"), isAdmin: false),
            UserConfig(name: "admin", password: PasswordSecretTests.rfc7677Secret, isAdmin: true),
            UserConfig(name: "plain", password: .plaintext("pa$$ = word"), isAdmin: false),
        ])

        #expect(config.clusterOrder == ["users", "main"])
        #expect(config.clusters["users"] == ClusterConfig(
            name: "users", database: "accounts", user: "svc", password: "svcpw", poolSize: 5, minPoolSize: 2,
            servers: [ServerConfig(host: "db1.internal", port: 6543, role: .primary, weight: 0)]
        ))
        #expect(config.clusters["main"] == ClusterConfig(
            name: "main", database: "app", user: nil, password: "", poolSize: 30, minPoolSize: 1,
            servers: [
                ServerConfig(host: "127.0.0.1", port: 5432, role: .primary, weight: 1),
                ServerConfig(host: "::1", port: 5433, role: .replica, weight: 3),
            ]
        ))
        #expect(config.clusters["main"]?.servers.map(\.address) == ["127.0.0.1:5432", "[::1]:5433"])

        #expect(config.databaseOrder == ["app", "reports"])
        #expect(config.databases["app"] == DatabaseConfig(
            name: "app",
            cluster: "main",
            readWriteSplit: false,
            loadBalance: .leastConnections,
            primaryReads: .always,
            readAfterWrite: .lsn,
            readAfterWriteWindowMs: 0,
            writeFunctions: ["audit_log", "app.bump"],
            crossClusterTransactions: .error,
            routes: [
                RouteRule(tables: ["auth_*", "public.django_session"], cluster: "users"),
                RouteRule(tables: ["log?"], cluster: "main"),
            ],
            shards: [
                ShardGroup(tables: ["customers"], key: "email", keyType: .text, function: .pgHash,
                           clusters: ["main", "users"]),
                ShardGroup(tables: ["orders", "order_items"], key: "customer_id", keyType: .bigint,
                           function: .modulo, clusters: ["users", "main"]),
            ]
        ))
        #expect(config.orderedDatabases.map(\.name) == ["app", "reports"])
        #expect(config.user(named: "admin")?.isAdmin == true)
    }

    /// The smallest valid file: one cluster with one server, one database, a health login.
    static let minimalConfig = """
        [health]
        user = "monitor"

        [clusters.main]
        [[clusters.main.servers]]
        host = "127.0.0.1"

        [databases.app]
        cluster = "main"
        """

    /// Expected defaults are the values SPEC section 2 writes for each key, and for the keys the
    /// spec does not list, the values their issues give.
    @Test func omittedKeysTakeTheirDefaults() throws {
        let config = try Config.load(contents: Self.minimalConfig, path: "min.toml")

        #expect(config.proxy == ProxySettings(
            listen: ListenAddress(host: "127.0.0.1", port: 6432, family: .ipv4),
            adminListen: ListenAddress(host: "127.0.0.1", port: 6480, family: .ipv4),
            adminToken: nil,
            workers: 0,
            poolMode: .transaction,
            maxClientConnections: 10000,
            clientLoginTimeoutMs: 5000,
            queryWaitTimeoutMs: 5000,
            idleTransactionTimeoutMs: 0,
            shutdownTimeoutMs: 10000,
            maxMessageBytes: 67_108_864,
            tlsCertificate: nil,
            clientTLS: .allow,
            serverTLS: .prefer,
            serverTLSCAFile: nil,
            serverConnectTimeoutMs: 5000,
            serverIdleTimeoutMs: 600_000,
            maxPreparedStatements: 1000,
            logLevel: .info
        ))
        #expect(config.health == HealthSettings(
            intervalMs: 1000, timeoutMs: 1000, failureThreshold: 2, maxReplicaLagBytes: 16_777_216,
            promote: .external, promoteAfterMs: 10000, user: "monitor", password: ""
        ))
        #expect(config.users.isEmpty)
        #expect(config.clusters["main"] == ClusterConfig(
            name: "main", database: "main", user: nil, password: "", poolSize: 20, minPoolSize: 0,
            servers: [ServerConfig(host: "127.0.0.1", port: 5432, role: .replica, weight: 1)]
        ))
        #expect(config.databases["app"] == DatabaseConfig(
            name: "app", cluster: "main", readWriteSplit: true, loadBalance: .roundRobin,
            primaryReads: .fallback, readAfterWrite: .window, readAfterWriteWindowMs: 1000,
            writeFunctions: [], crossClusterTransactions: .twoPhase, routes: [], shards: []
        ))
    }

    @Test func emptyAdminListenDisablesTheAdminPort() throws {
        let text = "[proxy]\nadmin_listen = \"\"\n" + Self.minimalConfig
        let config = try Config.load(contents: text, path: "t.toml")
        #expect(config.proxy.adminListen == nil)
    }

    @Test func shardGroupDefaultsToBigintPgHash() throws {
        let text = Self.minimalConfig + """

            [[databases.app.shards]]
            tables = ["orders"]
            key = "id"
            clusters = ["main"]
            """
        let config = try Config.load(contents: text, path: "t.toml")
        #expect(config.databases["app"]?.shards == [
            ShardGroup(tables: ["orders"], key: "id", keyType: .bigint, function: .pgHash, clusters: ["main"])
        ])
    }

    @Test func clusterUserIsEnoughForHealthChecks() throws {
        let text = """
            [clusters.main]
            user = "svc"
            servers = [{ host = "h" }]
            [databases.app]
            cluster = "main"
            """
        let config = try Config.load(contents: text, path: "t.toml")
        #expect(config.health.user == nil)
        #expect(config.clusters["main"]?.user == "svc")
    }
}
