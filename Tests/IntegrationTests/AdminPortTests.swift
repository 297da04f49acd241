// AdminPortTests: /stats, /metrics and /health of the real daemon in front of the shared primary
// and its two replicas (SPEC §7), read after traffic whose effect on every counter is known.
import Foundation
import Glibc
import Synchronization
import SwitchyardTesting
import SwitchyardWire
import Testing

@Suite("Admin port", .serialized)
struct AdminPortTests {
    /// A proxy with cluster `main` (the primary and both replicas) and cluster `users` (the users
    /// server, reached only by the route of `elsewhere_*`), its admin port, and a table `traffic`
    /// that the replicas have.
    private struct Setup {
        let fixture: ProxyFixture
        let admin: AdminHTTPClient
        let primary: LocalPostgres
        let replicas: [LocalPostgres]
        let startedAt: Int

        var primaryAddress: String { ProxyConfiguration.Server(primary, role: "primary").address }
        var replicaAddresses: [String] { replicas.map { ProxyConfiguration.Server($0, role: "replica").address } }

        static func start(poolSize: Int = 4) throws -> Setup {
            let cluster = TestCluster.shared
            let primary = try cluster.primary()
            let replicas = try cluster.replicas()
            let users = try cluster.usersServer()
            let adminPort = try freePort()
            let startedAt = Int(time(nil))
            let fixture = try ProxyFixture.start(
                ProxyConfiguration(
                    poolSize: poolSize,
                    clusters: [
                        ProxyConfiguration.Cluster(
                            name: "users", serverUser: nil, servers: [ProxyConfiguration.Server(users, role: "primary")],
                            database: TestUser.database, hasClientDatabase: false)
                    ],
                    mainServers: [ProxyConfiguration.Server(primary, role: "primary")]
                        + replicas.map { ProxyConfiguration.Server($0, role: "replica") },
                    adminPort: adminPort,
                    healthSettings: ["interval_ms": "300"],
                    routes: [ProxyConfiguration.Route(tables: ["elsewhere_*"], cluster: "users")]
                ))
            do {
                let direct = try fixture.connectDirect()
                defer { direct.close() }
                _ = try direct.exec("CREATE TABLE traffic (n int)")
                for replica in replicas { try replica.waitUntilCaughtUp(with: primary) }
            } catch {
                fixture.stop()
                throw error
            }
            return Setup(
                fixture: fixture, admin: AdminHTTPClient(port: adminPort), primary: primary, replicas: replicas,
                startedAt: startedAt)
        }

        /// Waits until the health checks have measured both replicas' lag.
        func waitForHealthChecks() throws {
            let measured = try waitUntil(timeout: 10, interval: 0.1) {
                let main = try StatsDocument.fetch(admin).cluster("main")
                return replicaAddresses.allSatisfy { main?.server($0)?.lagBytes != nil }
                    && main?.servers.allSatisfy { $0.state == "up" } == true
            }
            try #require(measured, "the replicas' lag was never measured")
        }

        /// 10 autocommit writes on one client, 12 autocommit reads on another (which never wrote,
        /// so read-after-write keeps none of them on the primary).
        func sendTraffic(writer: PGConnection, reader: PGConnection) throws {
            for value in 1...10 { _ = try writer.exec("INSERT INTO traffic VALUES (\(value))") }
            for _ in 1...12 { _ = try reader.exec("SELECT count(*) FROM traffic") }
        }
    }

    @Test("/stats has every SPEC §7 field, and its counters show reads on replicas and writes on the primary")
    func statsReflectTraffic() throws {
        let setup = try Setup.start()
        defer { setup.fixture.stop() }
        try setup.waitForHealthChecks()
        let writer = try setup.fixture.connect()
        defer { writer.close() }
        let reader = try setup.fixture.connect()
        defer { reader.close() }

        let response = try setup.admin.get("/stats")
        #expect(response.status == 200)
        #expect(response.headers["content-type"]?.hasPrefix("application/json") == true)
        // Decoding checks that every field is there with its type.
        let before = try StatsDocument.decode(response.body)
        let version = try Command(try ProxyProcess.locateExecutable(), ["--version"]).check()
        #expect(before.version == version.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(before.uptimeS >= 0 && before.uptimeS < 120)
        #expect(before.config.path == setup.fixture.proxy.configPath)
        #expect(before.config.loadedAt >= setup.startedAt - 1 && before.config.loadedAt <= Int(time(nil)) + 1)
        #expect(before.config.reloads == 0 && before.config.reloadFailures == 0)
        #expect(before.clients.connected == 2)
        #expect(before.clients.waiting == 0 && before.clients.pinned == 0)
        #expect(before.clusters.map(\.name).sorted() == ["main", "users"])
        let main = try #require(before.cluster("main"))
        #expect(main.primary == setup.primaryAddress)
        #expect(main.servers.map(\.address) == [setup.primaryAddress] + setup.replicaAddresses)
        #expect(main.servers.map(\.role) == ["primary", "replica", "replica"])
        #expect(main.servers.allSatisfy { $0.state == "up" })
        for address in setup.replicaAddresses { #expect((main.server(address)?.lagBytes ?? -1) >= 0) }

        try setup.sendTraffic(writer: writer, reader: reader)
        let after = try StatsDocument.fetch(setup.admin)
        let mainAfter = try #require(after.cluster("main"))
        func delta(_ address: String, _ field: KeyPath<StatsDocument.Server, Int>) -> Int {
            (mainAfter.server(address)?[keyPath: field] ?? 0) - (main.server(address)?[keyPath: field] ?? 0)
        }
        #expect(delta(setup.primaryAddress, \.writes) == 10)
        #expect(delta(setup.primaryAddress, \.reads) == 0)
        #expect(setup.replicaAddresses.map { delta($0, \.reads) }.reduce(0, +) == 12)
        #expect(setup.replicaAddresses.map { delta($0, \.writes) }.reduce(0, +) == 0)
        // Round robin over two replicas.
        #expect(setup.replicaAddresses.allSatisfy { delta($0, \.reads) == 6 })
        #expect(delta(setup.primaryAddress, \.queries) == 10)
        #expect(setup.replicaAddresses.map { delta($0, \.queries) }.reduce(0, +) == 12)
        #expect(after.totals.writes - before.totals.writes == 10)
        #expect(after.totals.reads - before.totals.reads == 12)
        #expect(after.totals.queries - before.totals.queries == 22)
        #expect(after.totals.errors == before.totals.errors)
        #expect(after.totals.routingErrors == before.totals.routingErrors)
        #expect(mainAfter.servers.allSatisfy { $0.connections.active == 0 })
        #expect(mainAfter.server(setup.primaryAddress)?.connections.idle ?? 0 >= 1)

        // A server error and a routing error (tables of two clusters in one statement: 0A000).
        #expect(throws: PGError.self) { try reader.exec("SELECT * FROM no_such_table") }
        let crossCluster = #expect(throws: PGError.self) {
            try reader.exec("SELECT * FROM traffic JOIN elsewhere_things ON true")
        }
        #expect(crossCluster?.sqlState == .featureNotSupported)
        let errors = try StatsDocument.fetch(setup.admin)
        // totals.errors counts the routing errors too (they are errors the clients saw).
        #expect(errors.totals.errors - after.totals.errors == 2)
        #expect(errors.totals.routingErrors - after.totals.routingErrors == 1)
        let serverErrors = setup.replicaAddresses.map { address in
            (errors.cluster("main")?.server(address)?.errors ?? 0) - (mainAfter.server(address)?.errors ?? 0)
        }
        #expect(serverErrors.reduce(0, +) == 1, "the failed read ran on a replica")

        // A transaction holds a server connection until it ends; a pinned client (LISTEN) holds
        // one until it disconnects.
        func primaryConnections() throws -> StatsDocument.Connections? {
            try StatsDocument.fetch(setup.admin).cluster("main")?.server(setup.primaryAddress)?.connections
        }
        _ = try writer.exec("BEGIN")
        _ = try writer.exec("INSERT INTO traffic VALUES (0)")
        #expect(try primaryConnections()?.active == 1)
        _ = try writer.exec("COMMIT")
        #expect(try primaryConnections()?.active == 0)
        _ = try reader.exec("LISTEN admin_port_test")
        let pinned = try StatsDocument.fetch(setup.admin)
        #expect(pinned.clients.pinned == 1)
        #expect(pinned.clients.connected == 2)
        #expect(try primaryConnections()?.active == 1)
    }

    @Test("/stats counts clients waiting for a server connection")
    func statsCountWaitingClients() throws {
        let setup = try Setup.start(poolSize: 1)
        defer { setup.fixture.stop() }
        let holder = try setup.fixture.connect()
        defer { holder.close() }
        _ = try holder.exec("BEGIN")
        _ = try holder.exec("INSERT INTO traffic VALUES (1)")
        let waiterDone = Mutex<Result<PGResult, any Error>?>(nil)
        let fixture = setup.fixture
        let thread = Thread {
            let result = Result {
                let waiter = try fixture.connect()
                defer { waiter.close() }
                return try waiter.exec("INSERT INTO traffic VALUES (2)")
            }
            waiterDone.withLock { $0 = result }
        }
        thread.start()
        let waiting = try waitUntil(timeout: 5, interval: 0.05) { try StatsDocument.fetch(setup.admin).clients.waiting == 1 }
        #expect(waiting)
        let pool = try StatsDocument.fetch(setup.admin).pools?.filter { $0.server == setup.primaryAddress }
        #expect(pool?.map(\.waiting).reduce(0, +) == 1, "\(String(describing: pool))")
        _ = try holder.exec("COMMIT")
        #expect(try waitUntil(timeout: 5) { waiterDone.withLock { $0 != nil } })
        #expect(try waiterDone.withLock { try $0?.get().commandTag } == "INSERT 0 1")
        #expect(try StatsDocument.fetch(setup.admin).clients.waiting == 0)
    }

    @Test(
        "/metrics parses with prometheus_client and has the SPEC §7 families, counting the traffic",
        .enabled(if: PrometheusParser.isAvailable, "python3 with prometheus_client is not installed"))
    func metricsParseAndCount() throws {
        let setup = try Setup.start()
        defer { setup.fixture.stop() }
        try setup.waitForHealthChecks()
        let writer = try setup.fixture.connect()
        defer { writer.close() }
        let reader = try setup.fixture.connect()
        defer { reader.close() }

        let response = try setup.admin.get("/metrics")
        #expect(response.status == 200)
        #expect(response.headers["content-type"]?.hasPrefix("text/plain") == true)
        let before = try PrometheusParser.parse(response.body)
        #expect(before.allSatisfy { $0.name.hasPrefix("switchyard_") })
        let kinds = Dictionary(before.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })

        // switchyard_queries_total{cluster,server,kind}: a counter, every label present.
        #expect(before.family(of: "switchyard_queries_total")?.type == "counter")
        let queries = before.samples("switchyard_queries_total")
        #expect(!queries.isEmpty && queries.allSatisfy { Set($0.labels.keys) == ["cluster", "server", "kind"] })
        let main = [setup.primaryAddress] + setup.replicaAddresses
        #expect(Set(queries.filter { $0.labels["cluster"] == "main" }.map { $0.labels["server"]! }) == Set(main))

        // switchyard_server_up{cluster,server,role}: 1 for every server, roles as configured.
        #expect(kinds["switchyard_server_up"] == "gauge")
        for (address, role) in zip(main, ["primary", "replica", "replica"]) {
            #expect(before.value("switchyard_server_up", ["cluster": "main", "server": address, "role": role]) == 1)
        }
        // switchyard_replica_lag_bytes{cluster,server}: both replicas measured.
        #expect(kinds["switchyard_replica_lag_bytes"] == "gauge")
        for address in setup.replicaAddresses {
            #expect((before.value("switchyard_replica_lag_bytes", ["cluster": "main", "server": address]) ?? -1) >= 0)
        }
        #expect(kinds["switchyard_client_connections"] == "gauge")
        #expect(before.value("switchyard_client_connections") == 2)
        #expect(before.family(of: "switchyard_config_reloads_total")?.type == "counter")
        #expect(before.value("switchyard_config_reloads_total", ["result": "success"]) == 0)
        #expect(before.value("switchyard_config_reloads_total", ["result": "failure"]) == 0)
        #expect(kinds["switchyard_query_duration_seconds"] == "histogram")

        try setup.sendTraffic(writer: writer, reader: reader)
        let valid = setup.fixture.configText(
            ProxyConfiguration(
                poolSize: 4,
                clusters: [],
                mainServers: [ProxyConfiguration.Server(setup.primary, role: "primary")]
                    + setup.replicas.map { ProxyConfiguration.Server($0, role: "replica") },
                adminPort: setup.fixture.adminPort))
        try setup.fixture.proxy.reload(config: valid)
        #expect(try waitUntil(timeout: 10) { try StatsDocument.fetch(setup.admin).config.reloads == 1 })
        try setup.fixture.proxy.reload(config: valid + "not toml at all\n")
        #expect(try waitUntil(timeout: 10) { try StatsDocument.fetch(setup.admin).config.reloadFailures == 1 })
        let after = try PrometheusParser.parse(try setup.admin.get("/metrics").body)

        func delta(_ name: String, _ labels: [String: String]) -> Double {
            (after.value(name, labels) ?? 0) - (before.value(name, labels) ?? 0)
        }
        let primary = ["cluster": "main", "server": setup.primaryAddress]
        #expect(delta("switchyard_queries_total", primary.merging(["kind": "write"]) { $1 }) == 10)
        #expect(delta("switchyard_queries_total", primary.merging(["kind": "read"]) { $1 }) == 0)
        let replicaReads = setup.replicaAddresses.map { address in
            delta("switchyard_queries_total", ["cluster": "main", "server": address, "kind": "read"])
        }
        #expect(replicaReads.reduce(0, +) == 12)
        #expect(delta("switchyard_config_reloads_total", ["result": "success"]) == 1)
        #expect(delta("switchyard_config_reloads_total", ["result": "failure"]) == 1)

        // The histogram of cluster main: cumulative buckets ending in +Inf = _count, which grew by
        // the 22 statements; _sum grew too.
        let cluster = ["cluster": "main"]
        #expect(delta("switchyard_query_duration_seconds_count", cluster) == 22)
        #expect(delta("switchyard_query_duration_seconds_sum", cluster) > 0)
        let buckets = after.samples("switchyard_query_duration_seconds_bucket").filter { $0.labels["cluster"] == "main" }
        let bounds = buckets.map { $0.labels["le"] == "+Inf" ? Double.infinity : Double($0.labels["le"] ?? "") ?? .nan }
        #expect(buckets.count >= 2 && bounds == bounds.sorted() && bounds.last == .infinity)
        #expect(buckets.map(\.value) == buckets.map(\.value).sorted())
        #expect(buckets.last?.value == after.value("switchyard_query_duration_seconds_count", cluster))
    }

    @Test("GET /health answers 200 ok while accepting clients, 503 once shutdown began")
    func health() throws {
        let adminPort = try freePort()
        let fixture = try ProxyFixture.start(
            ProxyConfiguration(proxySettings: ["shutdown_timeout_ms": "5000"], adminPort: adminPort))
        defer { fixture.stop() }
        let admin = AdminHTTPClient(port: adminPort)
        let ok = try admin.get("/health")
        #expect(ok.status == 200)
        #expect(ok.body.trimmingCharacters(in: .whitespacesAndNewlines) == "ok")

        // A transaction keeps the daemon draining after SIGTERM; meanwhile /health says no.
        let busy = try fixture.connect()
        defer { busy.close() }
        _ = try busy.exec("BEGIN")
        _ = try busy.exec("SELECT txid_current()")
        fixture.proxy.signal(SIGTERM)
        let draining = try waitUntil(timeout: 3) { try admin.get("/health").status == 503 }
        #expect(draining)
        _ = try busy.exec("COMMIT")
        #expect(fixture.proxy.waitForExit(timeout: 10) == .exited(0))
    }

    /// A pool's budget (pool_size) is shared by every event loop, so operators expect one row per
    /// pool, as PgBouncer's SHOW POOLS gives, with the connections of all loops in it.
    @Test(
        "each pool is listed once in /stats and SHOW POOLS, with the connections of every loop"
    )
    func poolsAreListedOnce() throws {
        let adminPort = try freePort()
        let fixture = try ProxyFixture.start(
            ProxyConfiguration(poolSize: 8, proxySettings: ["workers": "2"], adminPort: adminPort))
        defer { fixture.stop() }
        // Rounds of eight clients at once, until the connections have landed on both loops (the
        // loops' sockets share the client port; which one accepts a connection is up to the kernel).
        var pools: [StatsDocument.Pool] = []
        for _ in 0..<5 {
            let failures = concurrently(8) { _ in
                let client = try fixture.connect()
                defer { client.close() }
                _ = try client.exec("SELECT pg_sleep(0.3)")
            }
            #expect(failures.isEmpty, "\(failures)")
            pools = try StatsDocument.fetch(AdminHTTPClient(port: adminPort)).pools ?? []
            if pools.count > 1 { break }
        }
        let keys = pools.map { "\($0.cluster) \($0.server) \($0.user) \($0.database)" }
        #expect(Set(keys).count == keys.count, "\(keys)")
        let open = try fixture.serverBackendCount()
        #expect(pools.count == 1 && pools.first.map { $0.active + $0.idle } == open, "\(pools), \(open) open")
    }
}
