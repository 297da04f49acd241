// ReloadTests: SIGHUP and POST /reload against the real daemon (SPEC §6): new rules under load
// without losing a client, invalid files rejected with FILE:LINE, systemd notifications.
import Foundation
import Glibc
import Synchronization
import SwitchyardTesting
import Testing

@Suite("Reload", .serialized)
struct ReloadTests {
    /// The configurations the load test cycles through. Step -1 is the starting one; steps 0-9
    /// each change the pool size, add or drop the route of `route_probe` to cluster `users`, and
    /// at step 2 add the second replica, which step 6 removes again.
    private struct ReloadPlan {
        let primary: LocalPostgres
        let replicas: [LocalPostgres]
        let usersServer: LocalPostgres
        let usersDatabase: String
        let adminPort: Int

        static let poolSizes = [4, 8, 5, 12, 6, 10, 4, 7, 9, 6]

        func routesToUsers(step: Int) -> Bool { step >= 0 && step % 2 == 0 }
        func hasSecondReplica(step: Int) -> Bool { (2...5).contains(step) }
        func poolSize(step: Int) -> Int { step < 0 ? 6 : Self.poolSizes[step] }

        func mainServers(step: Int) -> [ProxyConfiguration.Server] {
            [ProxyConfiguration.Server(primary, role: "primary"), ProxyConfiguration.Server(replicas[0], role: "replica")]
                + (hasSecondReplica(step: step) ? [ProxyConfiguration.Server(replicas[1], role: "replica")] : [])
        }

        func configuration(step: Int) -> ProxyConfiguration {
            ProxyConfiguration(
                poolSize: poolSize(step: step),
                clusters: [
                    ProxyConfiguration.Cluster(
                        name: "users", serverUser: nil, poolSize: 2 + max(step, 0) % 3,
                        servers: [ProxyConfiguration.Server(usersServer, role: "primary")], database: usersDatabase,
                        hasClientDatabase: false)
                ],
                // pgbench's 16 clients share as few as 4 connections; turns are not strictly fair
                // across loops, so a short wait limit would time out clients for no reason.
                proxySettings: ["query_wait_timeout_ms": "30000"],
                mainServers: mainServers(step: step),
                adminPort: adminPort,
                healthSettings: ["interval_ms": "500"],
                routes: routesToUsers(step: step)
                    ? [ProxyConfiguration.Route(tables: ["route_probe"], cluster: "users")] : []
            )
        }
    }

    /// Client backends of `database` on `server`, the health check's included.
    private static func backends(on server: LocalPostgres, database: String) throws -> Int {
        Int(
            try server.query(
                """
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = \(SQLQuoting.literal(database)) AND backend_type = 'client backend'
                """)) ?? -1
    }

    private static func directConninfo(_ server: LocalPostgres, database: String) -> String {
        "host=\(server.host) port=\(server.port) user=app password=app dbname=\(database) sslmode=disable"
    }

    @Test(
        "pgbench -c 16 -T 30 while 10 SIGHUP reloads change routes, pool sizes and replicas: 0 failed, none aborted"
    )
    func reloadsUnderLoad() throws {
        let cluster = TestCluster.shared
        let usersServer = try cluster.usersServer()
        let usersDatabase = "reload_users_\(UInt32.random(in: 0...UInt32.max))"
        try usersServer.createDatabase(name: usersDatabase, owner: TestUser.app.name)
        defer { try? usersServer.query("DROP DATABASE IF EXISTS \(usersDatabase) WITH (FORCE);") }
        let plan = ReloadPlan(
            primary: try cluster.primary(), replicas: try cluster.replicas(), usersServer: usersServer,
            usersDatabase: usersDatabase, adminPort: try freePort())
        let fixture = try ProxyFixture.start(plan.configuration(step: -1))
        defer { fixture.stop() }
        let admin = AdminHTTPClient(port: plan.adminPort)

        let initialize = try ClientTools.pgbench(
            ["-i", "-s", "1", "-q"] + fixture.directClientArguments(), password: "app")
        try #require(initialize.succeeded, "\(initialize.standardError)")
        let direct = try fixture.connectDirect()
        defer { direct.close() }
        _ = try direct.exec("CREATE TABLE route_probe (which text); INSERT INTO route_probe VALUES ('main')")
        _ = try direct.exec("CREATE TABLE replica_probe (n int); INSERT INTO replica_probe VALUES (1)")
        let users = try PGConnection(Self.directConninfo(usersServer, database: usersDatabase))
        defer { users.close() }
        _ = try users.exec("CREATE TABLE route_probe (which text); INSERT INTO route_probe VALUES ('users')")
        for replica in plan.replicas { try replica.waitUntilCaughtUp(with: plan.primary) }

        // One client stays connected through every reload; its next statement follows the new rules.
        let probe = try fixture.connect(extra: ["application_name": "reload-probe"])
        defer { probe.close() }
        #expect(try probe.exec("SELECT which FROM route_probe").scalar == "main")

        let run = PgbenchRun(
            ["-c", "16", "-j", "2", "-T", "30"] + fixture.clientArguments(), password: "app", timeout: 90)
        usleep(1_000_000)
        var reloadSeconds: [Double] = []
        for step in 0..<10 {
            let began = Monotonic.now
            try fixture.reload(plan.configuration(step: step))
            let applied = try waitUntil(timeout: 10) { try StatsDocument.fetch(admin).config.reloads == step + 1 }
            try #require(applied, "reload \(step + 1) not counted")
            reloadSeconds.append(Monotonic.now - began)

            // Routes: the table moves to cluster users and back.
            let expected = plan.routesToUsers(step: step) ? "users" : "main"
            #expect(try probe.exec("SELECT which FROM route_probe").scalar == expected, "step \(step)")

            // Servers: exactly the configured ones.
            let stats = try StatsDocument.fetch(admin)
            let main = try #require(stats.cluster("main"))
            #expect(
                Set(main.servers.map(\.address)) == Set(plan.mainServers(step: step).map(\.address)), "step \(step)")
            #expect(main.primary == "\(plan.primary.host):\(plan.primary.port)")
            // No client was dropped: pgbench's 16 and the probe.
            #expect(stats.clients.connected == 17, "step \(step)")

            // The added replica takes reads. (Pool sizes and the removed replica's connections are
            // checked by poolSizesFollowAReload and aRemovedServerIsClosed.)
            if plan.hasSecondReplica(step: step) {
                let second = "\(plan.replicas[1].host):\(plan.replicas[1].port)"
                let reached = try waitUntil(timeout: 5, interval: 0.05) {
                    _ = try probe.exec("SELECT n FROM replica_probe")
                    return (try StatsDocument.fetch(admin).cluster("main")?.server(second)?.reads ?? 0) > 0
                }
                #expect(reached, "step \(step): no read reached the added replica")
            }
            // Spread over the run: the last reload comes about 25 s into pgbench's 30.
            let pause = 2.5 - (Monotonic.now - began)
            if pause > 0 { usleep(useconds_t(pause * 1_000_000)) }
        }
        let reloadsDoneAt = Monotonic.now - run.started
        #expect(!run.isFinished, "the reloads outlasted pgbench: they must happen under load")

        let report = try run.finish(timeout: 60)
        #expect(report.exitStatus == .exited(0), "\(report)")
        #expect(report.failed == 0, "\(report)")
        #expect((report.processed ?? 0) > 0, "\(report)")
        #expect(!report.abortedClients, "\(report)")
        #expect(try probe.exec("SELECT 1").scalar == "1")

        let log = fixture.proxy.output()
        #expect(log.components(separatedBy: "configuration reloaded").count - 1 == 10, "\(log)")
        #expect(try StatsDocument.fetch(admin).config.reloadFailures == 0)
        print(
            "reload under load: \(report.processed ?? 0) transactions, \(report.failed ?? -1) failed, "
                + "tps \(report.tps ?? 0), 10 reloads done \(String(format: "%.1f", reloadsDoneAt)) s into the run, "
                + "reload-to-counted \(reloadSeconds.map { String(format: "%.3f", $0) }.joined(separator: " ")) s")
    }

    /// Clients that each hold a transaction open, and so a server connection each in transaction
    /// mode, until `release()`.
    private final class OpenTransactions: Sendable {
        private let started = Mutex(0)
        private let errors = Mutex<[String]>([])
        private let gate = DispatchSemaphore(value: 0)
        private let group = DispatchGroup()
        let count: Int

        init(_ count: Int, fixture: ProxyFixture) {
            self.count = count
            for _ in 0..<count {
                group.enter()
                Thread { [self] in
                    defer { group.leave() }
                    do {
                        let client = try fixture.connect()
                        defer { client.close() }
                        _ = try client.exec("BEGIN")
                        _ = try client.exec("SELECT txid_current()")
                        started.withLock { $0 += 1 }
                        gate.wait()
                        _ = try client.exec("COMMIT")
                    } catch {
                        errors.withLock { $0.append("\(error)") }
                    }
                }.start()
            }
        }

        /// Clients whose transaction got a server connection.
        var running: Int { started.withLock { $0 } }
        var failures: [String] { errors.withLock { $0 } }

        /// Lets every client commit and waits for them.
        func release() {
            for _ in 0..<count { gate.signal() }
            _ = group.wait(timeout: .now() + 30)
        }
    }

    /// SPEC §6: "pool sizes follow". Six clients hold transactions open against pool_size 2; raised
    /// to 6, the four waiting ones get connections; lowered to 1, the idle extra connections close.
    @Test(
        "a reload that changes pool_size: a larger pool serves waiting clients, a smaller one closes extras"
    )
    func poolSizesFollowAReload() throws {
        let adminPort = try freePort()
        var configuration = ProxyConfiguration(
            poolSize: 2, proxySettings: ["query_wait_timeout_ms": "30000"], adminPort: adminPort)
        let fixture = try ProxyFixture.start(configuration)
        defer { fixture.stop() }
        let admin = AdminHTTPClient(port: adminPort)
        let clients = OpenTransactions(6, fixture: fixture)
        defer { clients.release() }
        #expect(try waitUntil(timeout: 10) { clients.running == 2 })
        usleep(500_000)
        #expect(clients.running == 2, "pool_size 2 let \(clients.running) transactions run")

        configuration.poolSize = 6
        try fixture.reload(configuration)
        #expect(try waitUntil(timeout: 10) { try StatsDocument.fetch(admin).config.reloads == 1 })
        let grown = try waitUntil(timeout: 5) { clients.running == 6 }
        #expect(grown, "after pool_size 6, only \(clients.running) of 6 transactions run")
        let pools = try StatsDocument.fetch(admin).pools ?? []
        #expect(!pools.isEmpty && pools.allSatisfy { $0.maxSize == 6 }, "\(pools)")
        clients.release()
        #expect(clients.failures.isEmpty, "\(clients.failures)")

        configuration.poolSize = 1
        try fixture.reload(configuration)
        #expect(try waitUntil(timeout: 10) { try StatsDocument.fetch(admin).config.reloads == 2 })
        let shrunk = try waitUntil(timeout: 5, interval: 0.1) { try fixture.serverBackendCount() <= 1 }
        let open = try fixture.serverBackendCount()
        #expect(shrunk, "\(open) server connections stay open with pool_size 1")
    }

    /// SPEC §6: "servers that left the config are drained and closed".
    @Test(
        "a replica removed by a reload: reads move to the other one, its server connections are closed"
    )
    func aRemovedServerIsClosed() throws {
        let cluster = TestCluster.shared
        let primary = try cluster.primary()
        let replicas = try cluster.replicas()
        let adminPort = try freePort()
        let both = [
            ProxyConfiguration.Server(primary, role: "primary"), ProxyConfiguration.Server(replicas[0], role: "replica"),
            ProxyConfiguration.Server(replicas[1], role: "replica"),
        ]
        var configuration = ProxyConfiguration(
            mainServers: both, adminPort: adminPort, healthSettings: ["interval_ms": "500"])
        let fixture = try ProxyFixture.start(configuration)
        defer { fixture.stop() }
        let admin = AdminHTTPClient(port: adminPort)
        let direct = try fixture.connectDirect()
        defer { direct.close() }
        _ = try direct.exec("CREATE TABLE removal_probe (n int); INSERT INTO removal_probe VALUES (7)")
        for replica in replicas { try replica.waitUntilCaughtUp(with: primary) }
        let reader = try fixture.connect()
        defer { reader.close() }
        let removed = ProxyConfiguration.Server(replicas[1], role: "replica").address
        #expect(
            try waitUntil(timeout: 10, interval: 0.05) {
                _ = try reader.exec("SELECT n FROM removal_probe")
                return (try StatsDocument.fetch(admin).cluster("main")?.server(removed)?.reads ?? 0) > 0
            })
        #expect(try Self.backends(on: replicas[1], database: fixture.serverDatabase) > 0)

        configuration.mainServers = Array(both.prefix(2))
        try fixture.reload(configuration)
        #expect(try waitUntil(timeout: 10) { try StatsDocument.fetch(admin).config.reloads == 1 })
        for _ in 0..<6 { #expect(try reader.exec("SELECT n FROM removal_probe").scalar == "7") }
        let closed = try waitUntil(timeout: 5, interval: 0.1) {
            try Self.backends(on: replicas[1], database: fixture.serverDatabase) == 0
        }
        let left = try replicas[1].query(
            """
            SELECT string_agg(application_name || ' (' || state || ')', ', ') FROM pg_stat_activity
            WHERE datname = \(SQLQuoting.literal(fixture.serverDatabase)) AND backend_type = 'client backend'
            """)
        #expect(closed, "still connected to the removed replica: \(left)")
    }

    /// The configuration file with two mistakes, and the lines they are on.
    private static func invalidConfig(from valid: String) -> (text: String, lines: [Int]) {
        var lines = valid.components(separatedBy: "\n")
        let cluster = lines.firstIndex(of: "[clusters.main]")! + 1
        lines.insert("pool_sise = 3", at: cluster)
        let mode = lines.firstIndex { $0.hasPrefix("pool_mode = ") }!
        lines[mode] = "pool_mode = \"sometimes\""
        return (lines.joined(separator: "\n"), [mode + 1, cluster + 1].sorted())
    }

    @Test("an invalid file on SIGHUP: old config keeps serving, reload_failures + 1, FILE:LINE in the log")
    func invalidConfigOnSIGHUP() throws {
        let adminPort = try freePort()
        let configuration = ProxyConfiguration(poolSize: 3, adminPort: adminPort)
        let fixture = try ProxyFixture.start(configuration)
        defer { fixture.stop() }
        let admin = AdminHTTPClient(port: adminPort)
        let client = try fixture.connect()
        defer { client.close() }
        #expect(try client.exec("SELECT 1").scalar == "1")
        let before = try StatsDocument.fetch(admin)

        let (text, lines) = Self.invalidConfig(from: fixture.configText(configuration))
        try fixture.proxy.reload(config: text)
        let counted = try waitUntil(timeout: 10) {
            try StatsDocument.fetch(admin).config.reloadFailures == before.config.reloadFailures + 1
        }
        try #require(counted, "reload failure not counted")
        usleep(300_000)
        let after = try StatsDocument.fetch(admin)
        #expect(after.config.reloadFailures == before.config.reloadFailures + 1)
        #expect(after.config.reloads == before.config.reloads)
        #expect(after.config.loadedAt == before.config.loadedAt)

        // Every problem is logged as FILE:LINE: message.
        let log = fixture.proxy.output()
        let path = fixture.proxy.configPath
        #expect(log.contains("\(path):\(lines[0]): invalid value \"sometimes\" for \"pool_mode\""), "\(log)")
        #expect(log.contains("\(path):\(lines[1]): unknown key \"pool_sise\""), "\(log)")

        // The old configuration keeps serving: the connected client, a new one, the old pool size.
        #expect(try client.exec("SELECT 2").scalar == "2")
        let fresh = try fixture.connect()
        defer { fresh.close() }
        #expect(try fresh.exec("SELECT 3").scalar == "3")
        #expect(after.pools?.filter { $0.cluster == "main" }.allSatisfy { $0.maxSize == 3 } == true)

        // Fixed, the file loads again.
        try fixture.proxy.reload(config: fixture.configText(configuration))
        #expect(try waitUntil(timeout: 10) { try StatsDocument.fetch(admin).config.reloads == before.config.reloads + 1 })
        #expect(try StatsDocument.fetch(admin).config.reloadFailures == before.config.reloadFailures + 1)
    }

    @Test("POST /reload with admin_token: 401 without the token, ok true for a valid file, ok false for an invalid one")
    func reloadOverHTTP() throws {
        let adminPort = try freePort()
        let token = "t0ken-\(UInt32.random(in: 0...UInt32.max))"
        let configuration = ProxyConfiguration(
            proxySettings: ["admin_token": "\"\(token)\""], adminPort: adminPort)
        let fixture = try ProxyFixture.start(configuration)
        defer { fixture.stop() }
        let admin = AdminHTTPClient(port: adminPort)
        let before = try StatsDocument.fetch(admin)

        for headers in [[:], ["Authorization": "Bearer wrong"], ["Authorization": token]] {
            let refused = try admin.post("/reload", headers: headers)
            #expect(refused.status == 401, "\(headers)")
        }
        #expect(try StatsDocument.fetch(admin).config.reloads == before.config.reloads)

        let bearer = ["Authorization": "Bearer \(token)"]
        let valid = try admin.post("/reload", headers: bearer)
        #expect(valid.status == 200)
        #expect(try valid.jsonObject()["ok"] as? Bool == true, "\(valid.body)")
        #expect(try StatsDocument.fetch(admin).config.reloads == before.config.reloads + 1)

        let (text, lines) = Self.invalidConfig(from: fixture.configText(configuration))
        try text.write(toFile: fixture.proxy.configPath, atomically: true, encoding: .utf8)
        let invalid = try admin.post("/reload", headers: bearer)
        let answer = try invalid.jsonObject()
        #expect(answer["ok"] as? Bool == false, "\(invalid.body)")
        let messages = answer["messages"] as? [String] ?? []
        let path = fixture.proxy.configPath
        #expect(messages.contains { $0.hasPrefix("\(path):\(lines[0]): ") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("\(path):\(lines[1]): ") }, "\(messages)")
        let after = try StatsDocument.fetch(admin)
        #expect(after.config.reloads == before.config.reloads + 1)
        #expect(after.config.reloadFailures == before.config.reloadFailures + 1)
        let client = try fixture.connect()
        defer { client.close() }
        #expect(try client.exec("SELECT 1").scalar == "1")
    }

    /// sd_notify(3): READY=1 once listening, RELOADING=1 (with MONOTONIC_USEC) then READY=1 around a
    /// reload, STOPPING=1 when SIGTERM arrives; the daemon exits 0.
    @Test("with NOTIFY_SOCKET: READY=1 at start, RELOADING=1/READY=1 on SIGHUP, STOPPING=1 on SIGTERM")
    func systemdNotifications() throws {
        let socket = try NotifySocket(abstract: false)
        let fixture = try ProxyFixture.start(ProxyConfiguration(), environment: ["NOTIFY_SOCKET": socket.name])
        defer { fixture.stop() }
        let ready = try #require(socket.receive(), "no READY=1")
        #expect(ready.split(separator: "\n").first == "READY=1", "\(ready)")
        // The signal handlers are installed just after READY=1 (see signalRightAfterReady).
        usleep(300_000)

        fixture.proxy.signal(SIGHUP)
        let reloading = try #require(socket.receive(), "no RELOADING=1")
        let reloadingLines = reloading.split(separator: "\n")
        #expect(reloadingLines.first == "RELOADING=1", "\(reloading)")
        #expect(reloadingLines.contains { $0.hasPrefix("MONOTONIC_USEC=") && UInt64($0.dropFirst(15)) != nil })
        #expect(try #require(socket.receive()).split(separator: "\n").first == "READY=1")

        fixture.proxy.signal(SIGTERM)
        #expect(socket.receive() == "STOPPING=1")
        #expect(fixture.proxy.waitForExit(timeout: 15) == .exited(0))
    }

    /// systemd may send SIGHUP (ExecReload) as soon as READY=1 arrives; the daemon must reload then,
    /// not die of the signal's default action.
    @Test(
        "SIGHUP right after READY=1 reloads the daemon instead of killing it"
    )
    func signalRightAfterReady() throws {
        for attempt in 0..<10 {
            let socket = try NotifySocket(abstract: false)
            let fixture = try ProxyFixture.start(
                ProxyConfiguration(isolatedDatabase: false), environment: ["NOTIFY_SOCKET": socket.name])
            defer { fixture.stop() }
            let ready = try #require(socket.receive(), "attempt \(attempt): no READY=1")
            #expect(ready.hasPrefix("READY=1"))
            fixture.proxy.signal(SIGHUP)
            #expect(socket.receive()?.hasPrefix("RELOADING=1") == true, "attempt \(attempt)")
            #expect(fixture.proxy.waitForExit(timeout: 0.2) == nil, "attempt \(attempt): the SIGHUP killed it")
        }
    }
}
