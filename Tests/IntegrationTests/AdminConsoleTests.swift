// AdminConsoleTests: the admin console (database "switchyard") of the real daemon, through libpq
// and psql: every SPEC §7 command, masked secrets, refusals and errors that keep the session.
import Foundation
import SwitchyardTesting
import SwitchyardWire
import Testing

@Suite("Admin console", .serialized)
struct AdminConsoleTests {
    /// A proxy with cluster `main` (the primary and both replicas), cluster `users` (the users
    /// server, logged in with a password of the config's own), an admin user and an admin token,
    /// all secrets distinct words that must never show.
    private struct Setup {
        let fixture: ProxyFixture
        let primary: LocalPostgres
        let replicas: [LocalPostgres]
        let admin = "console_admin"
        let adminPassword: String
        let token: String

        var primaryAddress: String { ProxyConfiguration.Server(primary, role: "primary").address }

        static func start() throws -> Setup {
            let cluster = TestCluster.shared
            let primary = try cluster.primary()
            let replicas = try cluster.replicas()
            let users = try cluster.usersServer()
            let secret = UInt32.random(in: 0...UInt32.max)
            let adminPassword = "Console-Pa55-\(secret)"
            let token = "Console-T0ken-\(secret)"
            let fixture = try ProxyFixture.start(
                ProxyConfiguration(
                    poolSize: 5,
                    users: ProxyConfiguration.plaintextTestUsers
                        + [ProxyConfiguration.User(name: "console_admin", password: adminPassword, isAdmin: true)],
                    clusters: [
                        ProxyConfiguration.Cluster(
                            name: "users", serverUser: TestUser.appPlain.name, serverPassword: TestUser.appPlain.password,
                            servers: [ProxyConfiguration.Server(users, role: "primary")], database: TestUser.database,
                            hasClientDatabase: false)
                    ],
                    proxySettings: ["admin_token": "\"\(token)\""],
                    mainServers: [ProxyConfiguration.Server(primary, role: "primary")]
                        + replicas.map { ProxyConfiguration.Server($0, role: "replica") },
                    healthSettings: ["interval_ms": "300"]
                ))
            do {
                // Reads go to the replicas: they must have the fixture's new database first.
                for replica in replicas { try replica.waitUntilCaughtUp(with: primary) }
            } catch {
                fixture.stop()
                throw error
            }
            return Setup(fixture: fixture, primary: primary, replicas: replicas, adminPassword: adminPassword, token: token)
        }

        func console() throws -> PGConnection {
            try fixture.connect(user: admin, password: adminPassword, database: "switchyard")
        }

        var psqlArguments: [String] {
            ["-h", "127.0.0.1", "-p", String(fixture.port), "-U", admin, "-d", "switchyard"]
        }
    }

    /// The row of `result` whose `column` is `value`, as a dictionary.
    private static func row(_ result: PGResult, where column: String, is value: String) -> [String: String?]? {
        guard let index = result.columns.firstIndex(of: column) else { return nil }
        return result.rows.first { $0[index] == value }.map { Dictionary(uniqueKeysWithValues: zip(result.columns, $0)) }
    }

    private static func records(_ result: PGResult) -> [[String: String?]] {
        result.rows.map { Dictionary(uniqueKeysWithValues: zip(result.columns, $0)) }
    }

    @Test("every console command answers with a result set or its tag; PAUSE and RESUME show in SHOW CLUSTERS")
    func everyCommand() throws {
        let setup = try Setup.start()
        defer { setup.fixture.stop() }
        let direct = try setup.fixture.connectDirect()
        defer { direct.close() }
        _ = try direct.exec("CREATE TABLE console_rows (n int)")
        // Known traffic: one write, then four reads from another client.
        let writer = try setup.fixture.connect(extra: ["application_name": "console-test-writer"])
        defer { writer.close() }
        _ = try writer.exec("INSERT INTO console_rows VALUES (1)")
        for replica in setup.replicas { try replica.waitUntilCaughtUp(with: setup.primary) }
        let reader = try setup.fixture.connect(extra: ["application_name": "console-test-reader"])
        defer { reader.close() }
        for _ in 1...4 { _ = try reader.exec("SELECT count(*) FROM console_rows") }

        let console = try setup.console()
        defer { console.close() }

        let clusters = try console.exec("SHOW CLUSTERS")
        #expect(clusters.commandTag == "SHOW")
        let main = try #require(Self.row(clusters, where: "cluster", is: "main"), "\(clusters)")
        #expect(main["primary"] == setup.primaryAddress)
        #expect(main["paused"] == "no")
        #expect(main["servers"] == "3")
        #expect(main["writes"] == "1" && main["reads"] == "4" && main["errors"] == "0", "\(main)")
        #expect(Self.row(clusters, where: "cluster", is: "users") != nil)

        let servers = try console.exec("SHOW SERVERS")
        let mainServers = Self.records(servers).filter { $0["cluster"] == "main" }
        #expect(mainServers.map { "\($0["host"]!!):\($0["port"]!!)" }
            == [setup.primaryAddress] + setup.replicas.map { "\($0.host):\($0.port)" })
        #expect(mainServers.map { $0["role"] } == ["primary", "replica", "replica"])
        #expect(mainServers.allSatisfy { $0["state"] == "up" })
        #expect(mainServers.first?["writes"] == "1")
        #expect(mainServers.dropFirst().map { Int($0["reads"]!! ) ?? 0 }.reduce(0, +) == 4)

        let pools = Self.records(try console.exec("SHOW POOLS"))
        let primaryPools = pools.filter { $0["cluster"] == "main" && $0["server"] == setup.primaryAddress }
        #expect(!primaryPools.isEmpty, "\(pools)")
        #expect(primaryPools.allSatisfy { $0["user"] == "app" && $0["max_size"] == "5" }, "\(primaryPools)")

        let clients = Self.records(try console.exec("SHOW CLIENTS"))
        for name in ["console-test-writer", "console-test-reader"] {
            let client = clients.first { $0["application_name"] == name }
            #expect(client?["user"] == "app" && client?["database"] == "app", "\(clients)")
        }

        let stats = Dictionary(
            uniqueKeysWithValues: try console.exec("SHOW STATS").rows.map { ($0[0] ?? "", $0[1] ?? "") })
        #expect(stats["writes"] == "1" && stats["reads"] == "4" && stats["queries"] == "5", "\(stats)")
        #expect(stats["clients_connected"] == "2", "the console is not a client of a cluster: \(stats)")
        #expect(stats["reloads"] == "0" && stats["reload_failures"] == "0")

        let config = try console.exec("SHOW CONFIG")
        #expect(config.columns == ["key", "value"])
        let settings = Dictionary(config.rows.map { ($0[0] ?? "", $0[1] ?? "") }, uniquingKeysWith: { $1 })
        #expect(settings["proxy.listen"]?.contains(String(setup.fixture.port)) == true, "\(settings)")
        for key in ["proxy.admin_token", "health.password", "users.app.password", "users.console_admin.password",
            "clusters.users.password"]
        {
            #expect(settings[key] == "********", "\(key) = \(settings[key] ?? "missing")")
        }
        let everything = config.rows.flatMap { $0.compactMap { $0 } }.joined(separator: "\n")
        #expect(!everything.contains(setup.adminPassword))
        #expect(!everything.contains(setup.token))

        let version = try console.exec("SHOW VERSION")
        let binaryVersion = try Command(try ProxyProcess.locateExecutable(), ["--version"]).check()
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(version.rows.count == 1 && version.scalar?.contains(binaryVersion) == true, "\(version)")

        #expect(try console.exec("RELOAD").commandTag == "RELOAD")
        #expect(try console.exec("SHOW STATS").rows.first { $0[0] == "reloads" }?[1] == "1")
        #expect(setup.fixture.proxy.output().contains("configuration reloaded"))

        func paused() throws -> [String: String] {
            let result = try console.exec("SHOW CLUSTERS")
            return Dictionary(uniqueKeysWithValues: Self.records(result).map { ($0["cluster"]!!, $0["paused"]!!) })
        }
        #expect(try console.exec("PAUSE main").commandTag == "PAUSE")
        #expect(try paused() == ["main": "yes", "users": "no"])
        #expect(try console.exec("RESUME main").commandTag == "RESUME")
        #expect(try paused() == ["main": "no", "users": "no"])
        #expect(try console.exec("pause;").commandTag == "PAUSE")
        #expect(try paused() == ["main": "yes", "users": "yes"])
        #expect(try console.exec("Resume").commandTag == "RESUME")
        #expect(try paused() == ["main": "no", "users": "no"])
        // Traffic flows again after RESUME.
        #expect(try reader.exec("SELECT count(*) FROM console_rows").scalar == "1")

        // Errors end the statement, not the session.
        let unknownCluster = #expect(throws: PGError.self) { try console.exec("PAUSE nope") }
        #expect(unknownCluster?.kind == .server && unknownCluster?.message.contains("nope") == true)
        for statement in ["SHOW NONSENSE", "SELECT 1", "PAUSE a b"] {
            let error = #expect(throws: PGError.self, "\(statement)") { try console.exec(statement) }
            #expect(error?.sqlState == .syntaxError, "\(statement): \(String(describing: error))")
        }
        #expect(try console.exec("SHOW VERSION").rows.count == 1)
        #expect(console.isHealthy)
        #expect(try paused() == ["main": "no", "users": "no"])
    }

    @Test("a user without admin = true is refused the console with 28000; a wrong password with 28P01")
    func nonAdminIsRefused() throws {
        let setup = try Setup.start()
        defer { setup.fixture.stop() }
        let refused = #expect(throws: PGError.self) {
            try setup.fixture.connect(database: "switchyard")
        }
        #expect(refused?.sqlState == .invalidAuthorizationSpecification, "\(String(describing: refused))")
        let wrongPassword = #expect(throws: PGError.self) {
            try setup.fixture.connect(user: setup.admin, password: "wrong", database: "switchyard")
        }
        #expect(wrongPassword?.sqlState == .invalidPassword, "\(String(describing: wrongPassword))")
    }

    @Test("psql runs every console command; an unknown one prints an error and the script goes on")
    func psql() throws {
        let setup = try Setup.start()
        defer { setup.fixture.stop() }
        let peer = try setup.fixture.connect(extra: ["application_name": "psql-console-peer"])
        defer { peer.close() }
        _ = try peer.exec("SELECT 1")
        let script = """
            SHOW CLUSTERS;
            SHOW SERVERS;
            SHOW POOLS;
            SHOW CLIENTS;
            SHOW STATS;
            SHOW CONFIG;
            SHOW VERSION;
            SHOW NONSENSE;
            RELOAD;
            PAUSE main;
            RESUME main;
            PAUSE;
            RESUME;
            SHOW CLUSTERS;

            """
        let run = try ClientTools.psql(
            setup.psqlArguments + ["-A", "-F", "|", "-f", "-"], password: setup.adminPassword, input: script, timeout: 30)
        #expect(run.succeeded, "\(run.standardError)")
        let output = run.standardOutput
        // Headers of each result set, in -A format.
        for header in [
            "cluster|primary|paused|servers|servers_up|queries|reads|writes|errors",
            "cluster|host|port|role|state|lag_bytes|active|idle|queries|reads|writes|errors",
            "cluster|server|user|database|active|idle|waiting|max_size",
            "id|user|database|application_name|address|state|pinned|connected_at|cluster|server",
            "stat|value", "key|value", "version",
        ] {
            #expect(output.contains(header + "\n"), "\(header)\n\(output)")
        }
        #expect(output.contains("main|\(setup.primaryAddress)|no|3|"), "\(output)")
        #expect(output.contains("main|\(setup.primary.host)|\(setup.primary.port)|primary|up|"), "\(output)")
        #expect(output.contains("|app|app|psql-console-peer|"), "\(output)")
        #expect(output.contains("users.console_admin.password|********"))
        #expect(!output.contains(setup.adminPassword) && !output.contains(setup.token))
        for tag in ["RELOAD", "PAUSE", "RESUME"] { #expect(output.contains(tag + "\n"), "\(tag)") }
        #expect(run.standardError.contains("ERROR:  unsupported admin console command"), "\(run.standardError)")
        // The last SHOW CLUSTERS, after the error, ran and shows both clusters resumed.
        #expect(output.hasSuffix("(2 rows)\n"), "\(output)")
        #expect(output.components(separatedBy: "cluster|primary|paused").count == 3)
    }
}
