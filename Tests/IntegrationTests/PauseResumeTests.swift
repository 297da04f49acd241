// PauseResumeTests: PAUSE holds new transactions of a cluster without errors and RESUME lets them
// through, on the real daemon under pgbench load, from the console and the admin port.
import Foundation
import Glibc
import Synchronization
import SwitchyardTesting
import Testing

@Suite("Pause and resume", .serialized)
struct PauseResumeTests {
    private static let admin = ProxyConfiguration.User(name: "pause_admin", password: "pause-admin-pw", isAdmin: true)

    /// A proxy in front of the shared primary with an admin user, an admin port and `clusters`.
    private static func start(
        poolSize: Int = 4, clusters: [ProxyConfiguration.Cluster] = [], proxySettings: [String: String] = [:]
    ) throws -> (ProxyFixture, AdminHTTPClient) {
        let adminPort = try freePort()
        let fixture = try ProxyFixture.start(
            ProxyConfiguration(
                poolSize: poolSize, users: ProxyConfiguration.plaintextTestUsers + [admin], clusters: clusters,
                proxySettings: proxySettings, adminPort: adminPort))
        return (fixture, AdminHTTPClient(port: adminPort))
    }

    private static func console(_ fixture: ProxyFixture) throws -> PGConnection {
        try fixture.connect(user: admin.name, password: admin.password, database: "switchyard")
    }

    /// A statement run on a thread of its own, with the monotonic times it started and ended.
    private final class TimedQuery: Sendable {
        private let state = Mutex<(ended: Double?, result: Result<String?, any Error>?)>((nil, nil))
        let started: Double

        /// Runs `sql` on `connection`, which it takes over and closes. The connection should be
        /// made before PAUSE, so that it is the statement that waits, not the login.
        init(_ connection: PGConnection, sql: String) {
            nonisolated(unsafe) let owned = connection
            started = Monotonic.now
            Thread { [self] in
                let result = Result { try owned.exec(sql).scalar }
                owned.close()
                state.withLock { $0 = (Monotonic.now, result) }
            }.start()
        }

        /// When the statement ended, if it did.
        var ended: Double? { state.withLock { $0.ended } }

        /// Waits up to `timeout` seconds for the end; returns the first value or throws its error.
        func value(timeout: Double) throws -> String? {
            _ = try waitUntil(timeout: timeout) { ended != nil }
            guard let result = state.withLock({ $0.result }) else {
                throw LocalError.timedOut(what: "the held statement", seconds: timeout)
            }
            return try result.get()
        }
    }

    @Test("PAUSE during pgbench -c 8 holds new transactions without errors; RESUME lets them through")
    func pauseUnderLoad() throws {
        let (fixture, admin) = try Self.start()
        defer { fixture.stop() }
        let initialize = try ClientTools.pgbench(
            ["-i", "-s", "1", "-q"] + fixture.directClientArguments(), password: "app")
        try #require(initialize.succeeded, "\(initialize.standardError)")
        let console = try Self.console(fixture)
        defer { console.close() }

        let run = PgbenchRun(
            ["-c", "8", "-j", "2", "-T", "10", "-P", "1"] + fixture.clientArguments(), password: "app", timeout: 90)
        let probe = try fixture.connect()
        usleep(2_000_000)
        #expect(try console.exec("PAUSE main").commandTag == "PAUSE")
        let pausedAt = Monotonic.now
        #expect(!run.isFinished)
        usleep(500_000)
        // Transactions that were running when PAUSE came have finished by now; nothing else runs.
        let held = TimedQuery(probe, sql: "SELECT count(*) FROM pgbench_branches")
        let quiet = try StatsDocument.fetch(admin).totals.queries
        usleep(2_000_000)
        let stillQuiet = try StatsDocument.fetch(admin)
        #expect(stillQuiet.totals.queries == quiet, "statements ran while paused")
        #expect(stillQuiet.clients.waiting >= 8, "pgbench's 8 clients and the probe should wait")
        #expect(held.ended == nil, "a statement finished while paused")

        #expect(try console.exec("RESUME main").commandTag == "RESUME")
        let resumedAt = Monotonic.now
        #expect(try held.value(timeout: 5) == "1")
        let heldEnded = try #require(held.ended)
        #expect(heldEnded >= resumedAt, "ended \(resumedAt - heldEnded) s before RESUME")
        #expect(heldEnded - resumedAt < 2)

        let report = try run.finish(timeout: 60)
        #expect(report.exitStatus == .exited(0), "\(report)")
        #expect(report.failed == 0, "\(report)")
        #expect(!report.abortedClients, "\(report)")
        // pgbench's own per-second progress shows the pause: whole seconds without a transaction.
        let progress = report.output.matches(of: /progress: ([0-9.]+) s, ([0-9.]+) tps/).map {
            (Double($0.1) ?? 0, Double($0.2) ?? -1)
        }
        #expect(progress.contains { $0.1 == 0 }, "\(report.output)")
        let processed = report.processed ?? 0
        #expect(processed > 0)
        print(
            "pause under load: \(processed) transactions, \(report.failed ?? -1) failed, held statement waited "
                + String(format: "%.2f s (paused %.2f s), ended %.3f s after RESUME; ", heldEnded - held.started,
                    resumedAt - pausedAt, heldEnded - resumedAt)
                + "tps per second: \(progress.map { String(format: "%.0f", $0.1) }.joined(separator: " "))")
    }

    @Test("a transaction running when PAUSE comes finishes; the next one waits for RESUME")
    func runningTransactionFinishes() throws {
        let (fixture, _) = try Self.start()
        defer { fixture.stop() }
        let console = try Self.console(fixture)
        defer { console.close() }
        let client = try fixture.connect()
        defer { client.close() }
        let probe = try fixture.connect()
        _ = try client.exec("CREATE TABLE pause_rows (n int)")
        _ = try client.exec("BEGIN")
        _ = try client.exec("INSERT INTO pause_rows VALUES (1)")
        _ = try console.exec("PAUSE")
        _ = try client.exec("INSERT INTO pause_rows VALUES (2)")
        #expect(try client.exec("COMMIT").commandTag == "COMMIT")
        let held = TimedQuery(probe, sql: "SELECT count(*) FROM pause_rows")
        usleep(1_000_000)
        #expect(held.ended == nil)
        _ = try console.exec("RESUME")
        #expect(try held.value(timeout: 5) == "2")
    }

    @Test("POST /pause?cluster=NAME holds that cluster only; POST /resume releases it")
    func pauseOneClusterOverHTTP() throws {
        let (fixture, admin) = try Self.start(clusters: [ProxyConfiguration.Cluster(name: "other", serverUser: nil)])
        defer { fixture.stop() }
        let otherClient = try fixture.connect(database: "other")
        _ = try otherClient.exec("SELECT 1")
        let mainClient = try fixture.connect()
        let paused = try admin.post("/pause?cluster=other")
        #expect(paused.status == 200)
        #expect(try paused.jsonObject()["ok"] as? Bool == true)
        #expect(try StatsDocument.fetch(admin).cluster("other")?.paused == true)
        #expect(try StatsDocument.fetch(admin).cluster("main")?.paused == false)

        let held = TimedQuery(otherClient, sql: "SELECT 'other'")
        let free = TimedQuery(mainClient, sql: "SELECT 'main'")
        #expect(try free.value(timeout: 5) == "main")
        usleep(1_000_000)
        #expect(held.ended == nil)
        #expect(try admin.post("/pause?cluster=nope").status == 404)

        #expect(try admin.post("/resume?cluster=other").status == 200)
        #expect(try held.value(timeout: 5) == "other")
        #expect(try StatsDocument.fetch(admin).cluster("other")?.paused == false)
    }

    /// The daemon holds paused work "until RESUME, however long" (ClientConnection.lease); the wait
    /// for a server connection after RESUME is a new wait, and query_wait_timeout_ms applies to it.
    @Test(
        "clients held longer than query_wait_timeout_ms by PAUSE still run after RESUME"
    )
    func pauseLongerThanTheWaitTimeout() throws {
        let (fixture, _) = try Self.start(poolSize: 1, proxySettings: ["query_wait_timeout_ms": "1000"])
        defer { fixture.stop() }
        let console = try Self.console(fixture)
        defer { console.close() }
        let clients = try (0..<4).map { _ in try fixture.connect() }
        _ = try console.exec("PAUSE main")
        let held = clients.map { TimedQuery($0, sql: "SELECT pg_sleep(0.1)::text || 'done'") }
        usleep(2_000_000)
        #expect(held.allSatisfy { $0.ended == nil })
        _ = try console.exec("RESUME main")
        for query in held {
            let value = Result { try query.value(timeout: 10) }
            #expect(throws: Never.self) { try value.get() }
            #expect((try? value.get()) == "done")
        }
    }
}
