// TwoPhaseCommitTests: transactions spanning two clusters stay atomic when a PREPARE fails, when
// the proxy is killed in the middle of committing them, and when a server holding an in-doubt
// prepared transaction comes back; recovery decides by the first participant's outcome.
import Foundation
import Glibc
import SwitchyardTesting
import SwitchyardWire
import Testing

extension CrossClusterAcceptance {
    @Suite("Two-phase commit: failures, crashes and recovery")
    struct TwoPhaseCommitTests {
        static let logTables = (
            main: "CREATE TABLE app_log (id bigint PRIMARY KEY)",
            users: "CREATE TABLE auth_log (id bigint PRIMARY KEY)"
        )

        static func ids(_ place: CrossClusterDatabases.Place, _ table: String) throws -> Set<Int64> {
            Set(try place.query("SELECT id FROM \(table)").split(separator: "\n").compactMap { Int64($0) })
        }

        // MARK: - A PREPARE that fails

        /// Runs a transaction on both clusters whose PREPARE fails on `failing` (a deferred
        /// unique constraint is checked at PREPARE TRANSACTION), checks what the client saw and
        /// that nothing committed, then hands the servers and the session to `body`.
        func withFailedPrepare(failing: String, _ body: (TwoClusterServers, PGConnection) throws -> Void) throws {
            try TwoClusterServers.with { servers in
                let deferred = "(id int, CONSTRAINT once UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)"
                try servers.createTables(
                    main: Self.logTables.main + "; CREATE TABLE app_deferred \(deferred)",
                    users: Self.logTables.users + "; CREATE TABLE auth_deferred \(deferred)")
                let proxy = try MultiClusterProxy.start(servers.configuration())
                defer { proxy.stop() }
                let client = try proxy.connect()
                defer { client.close() }
                let table = failing == "main" ? "app_deferred" : "auth_deferred"
                _ = try client.exec("BEGIN")
                _ = try client.exec("INSERT INTO app_log VALUES (1)")
                _ = try client.exec("INSERT INTO auth_log VALUES (1)")
                _ = try client.exec("INSERT INTO \(table) VALUES (5), (5)")
                let error = try pgError { _ = try client.exec("COMMIT") }
                #expect(error?.sqlState?.code == "23505", "\(error?.summary ?? "COMMIT succeeded")")
                #expect(error?.message.contains("once") == true, "\(error?.summary ?? "")")
                #expect(client.transactionStatus == .idle)
                #expect(try Self.ids(servers.main, "app_log").isEmpty)
                #expect(try Self.ids(servers.users, "auth_log").isEmpty)
                #expect(try servers.main.query("SELECT count(*) FROM app_deferred") == "0")
                #expect(try servers.users.query("SELECT count(*) FROM auth_deferred") == "0")
                try body(servers, client)
            }
        }

        @Test("a PREPARE that fails: the client gets that server's error, nothing commits, the session goes on",
              arguments: ["main", "users"])
        func failedPrepareRollsBackEverywhere(failing: String) throws {
            try withFailedPrepare(failing: failing) { servers, client in
                _ = try client.exec("BEGIN")
                _ = try client.exec("INSERT INTO app_log VALUES (2)")
                _ = try client.exec("INSERT INTO auth_log VALUES (2)")
                #expect(try client.exec("COMMIT").commandTag == "COMMIT")
                #expect(try Self.ids(servers.main, "app_log") == [2])
                #expect(try Self.ids(servers.users, "auth_log") == [2])
            }
        }

        /// A participant left prepared keeps its locks (here on id 1 of its table) until a
        /// restart of the proxy resolves it.
        @Test("a PREPARE that fails: the participants that did prepare are rolled back too",
              arguments: ["main", "users"])
        func failedPrepareLeavesNothingPrepared(failing: String) throws {
            try withFailedPrepare(failing: failing) { servers, _ in
                let left = try TwoClusterServers.preparedNames(servers.main).map { "main: \($0)" }
                    + TwoClusterServers.preparedNames(servers.users).map { "users: \($0)" }
                #expect(left == [], "prepared transactions left behind")
            }
        }

        // MARK: - The proxy killed mid-stream

        /// Every PREPARE TRANSACTION and COMMIT PREPARED flushes WAL; `commit_delay` (which
        /// needs `fsync`) makes each such flush wait 100 ms, so that at any moment many
        /// transactions are between their first PREPARE and their last COMMIT PREPARED.
        static let slowCommits = ["fsync": "on", "commit_delay": "100000", "commit_siblings": "0"]

        /// One kill: what the servers held once the dead proxy's sessions were gone.
        struct InDoubt: CustomStringConvertible {
            /// Prepared on both servers: the decision was not taken (roll back both).
            var bothPrepared: [String] = []
            /// Prepared on users only, main's transaction committed (commit users).
            var firstCommitted: [String] = []
            /// Prepared on users only, main's transaction did not commit (roll back users).
            var firstNotCommitted: [String] = []
            /// Prepared on main only (users never prepared): roll back main.
            var onlyFirstPrepared: [String] = []

            var total: Int { bothPrepared.count + firstCommitted.count + firstNotCommitted.count + onlyFirstPrepared.count }
            var description: String {
                "\(bothPrepared.count) prepared on both, \(firstCommitted.count) committed on main and prepared on users, "
                    + "\(firstNotCommitted.count) prepared on users only (main not committed), "
                    + "\(onlyFirstPrepared.count) prepared on main only"
            }
        }

        /// Groups the proxy's prepared transactions by the transaction they belong to (the name
        /// without its participant index) and asks main what became of its part.
        static func inDoubt(_ servers: TwoClusterServers) throws -> (InDoubt, mainTransactionIDs: [String: String]) {
            var participants: [String: Set<String>] = [:]
            var transactionIDs: [String: String] = [:]
            for (cluster, place) in [("main", servers.main), ("users", servers.users)] {
                for name in try TwoClusterServers.preparedNames(place) where name.hasPrefix("sy:") {
                    let parts = name.split(separator: ":", omittingEmptySubsequences: false)
                    // sy:<instance>:<xid>:<first cluster>:<participant>
                    guard parts.count == 5 else { continue }
                    let key = parts[0..<4].joined(separator: ":")
                    participants[key, default: []].insert(cluster)
                    transactionIDs[key] = String(parts[2])
                }
            }
            var result = InDoubt()
            for (key, clusters) in participants {
                switch (clusters.contains("main"), clusters.contains("users")) {
                case (true, true):
                    result.bothPrepared.append(key)
                case (true, false):
                    result.onlyFirstPrepared.append(key)
                case (false, true):
                    let status = try servers.main.query("SELECT pg_xact_status('\(transactionIDs[key]!)'::xid8)")
                    if status == "committed" { result.firstCommitted.append(key) } else { result.firstNotCommitted.append(key) }
                case (false, false):
                    break
                }
            }
            return (result, transactionIDs)
        }

        @Test("SIGKILL mid-stream, restart on the same config: recovery leaves no prepared transaction, every id on both clusters or neither")
        func killDuringSpanningTransactions() throws {
            try TwoClusterServers.with(settings: Self.slowCommits) { servers in
                try servers.createTables(main: Self.logTables.main, users: Self.logTables.users)
                let proxy = try MultiClusterProxy.start(servers.configuration())
                defer { proxy.stop() }
                var report: [String] = []
                var allAcknowledged: Set<Int64> = []
                var allAttempted: Set<Int64> = []
                for round in 1...3 {
                    let stream = SpanningTransactionStream(conninfo: proxy.conninfo(), base: Int64(round) * 10_000_000, clients: 8)
                    stream.start()
                    let flowing = stream.waitForAcknowledgements(15, timeout: 60)
                    // Kill at a moment unrelated to any one transaction's progress.
                    usleep(useconds_t.random(in: 0...400_000))
                    try proxy.kill()
                    #expect(stream.stop(), "clients did not stop")
                    try #require(flowing, "round \(round): no commits before the kill\n\(String(proxy.output().suffix(4000)))")
                    #expect(stream.errors == [], "round \(round): \(stream.errors.prefix(5))")
                    // The servers finish what the dead proxy's sessions were doing (a PREPARE or
                    // COMMIT PREPARED already sent runs to its end), then notice them gone.
                    let settled = try waitUntil(timeout: 20, interval: 0.05) { try servers.lingeringBackends() == 0 }
                    #expect(settled, "the dead proxy's server sessions did not end")
                    let (state, transactionIDs) = try Self.inDoubt(servers)

                    try proxy.restart()
                    let resolvedAfter = try servers.waitUntilNoProxyPrepared(timeout: 75)
                    #expect(resolvedAfter != nil, "round \(round): still prepared: \((try? servers.proxyPrepared()) ?? [])\n\(String(proxy.output().suffix(4000)))")

                    // Each in-doubt transaction went the way its first participant decided.
                    func committedOnMain(_ key: String) throws -> Bool {
                        try servers.main.query("SELECT count(*) FROM app_log WHERE xmin::text = '\(transactionIDs[key]!)'") == "1"
                    }
                    for key in state.firstCommitted { #expect(try committedOnMain(key), "\(key) lost on main") }
                    for key in state.bothPrepared + state.onlyFirstPrepared + state.firstNotCommitted {
                        #expect(try !committedOnMain(key), "\(key) committed although not decided")
                    }
                    let onMain = try Self.ids(servers.main, "app_log")
                    let onUsers = try Self.ids(servers.users, "auth_log")
                    #expect(onMain == onUsers, "round \(round): only on main \(onMain.subtracting(onUsers).sorted().prefix(10)), only on users \(onUsers.subtracting(onMain).sorted().prefix(10))")
                    allAcknowledged.formUnion(stream.acknowledged)
                    allAttempted.formUnion(stream.attempted)
                    #expect(allAcknowledged.isSubset(of: onMain), "acknowledged but lost: \(allAcknowledged.subtracting(onMain).sorted().prefix(10))")
                    #expect(onMain.isSubset(of: allAttempted))
                    let broken = stream.broken
                    let atCommit = broken.filter { $0.step == .commit }
                    let committedAtCommit = atCommit.filter { onMain.contains($0.id) }.count
                    report.append(
                        "round \(round): \(stream.acknowledged.count) acknowledged; in flight at the kill \(broken.count) "
                            + "(\(atCommit.count) in COMMIT, of which \(committedAtCommit) ended committed); "
                            + "in doubt after the kill: \(state.total) (\(state)); all resolved "
                            + "\(resolvedAfter.map { String(format: "%.2f s", $0) } ?? "-") after the restart")
                }
                print("TwoPhaseCommitTests.killDuringSpanningTransactions:\n  " + report.joined(separator: "\n  "))
            }
        }

        // MARK: - Recovery rules, case by case

        /// Begins a transaction on `connection`, runs `insert`, and returns its transaction ID.
        static func begin(_ connection: PGConnection, _ insert: String) throws -> String {
            _ = try connection.exec("BEGIN")
            _ = try connection.exec(insert)
            return try connection.exec("SELECT pg_current_xact_id()").scalar!
        }

        /// Leaves on the servers the three in-doubt shapes a crashed proxy (instance `instance`)
        /// can leave, with main as the first participant: (1) main committed, users prepared;
        /// (2) main rolled back, users prepared; (3) both prepared, when `undecided`. Also a prepared transaction
        /// that is not the proxy's. Case N inserts id N on each side.
        static func makeInDoubtStates(_ servers: TwoClusterServers, instance: String, undecided includeUndecided: Bool = true) throws {
            let main = try servers.connectMain()
            defer { main.close() }
            let users = try servers.connectUsers()
            defer { users.close() }
            func gid(_ xid: String, _ participant: Int) -> String { "'sy:\(instance):\(xid):main:\(participant)'" }

            let committed = try begin(main, "INSERT INTO app_log VALUES (1)")
            _ = try main.exec("PREPARE TRANSACTION \(gid(committed, 0))")
            _ = try begin(users, "INSERT INTO auth_log VALUES (1)")
            _ = try users.exec("PREPARE TRANSACTION \(gid(committed, 1))")
            _ = try main.exec("COMMIT PREPARED \(gid(committed, 0))")

            let rolledBack = try begin(main, "INSERT INTO app_log VALUES (2)")
            _ = try main.exec("ROLLBACK")
            _ = try begin(users, "INSERT INTO auth_log VALUES (2)")
            _ = try users.exec("PREPARE TRANSACTION \(gid(rolledBack, 1))")

            if includeUndecided {
                let undecided = try begin(main, "INSERT INTO app_log VALUES (3)")
                _ = try main.exec("PREPARE TRANSACTION \(gid(undecided, 0))")
                _ = try begin(users, "INSERT INTO auth_log VALUES (3)")
                _ = try users.exec("PREPARE TRANSACTION \(gid(undecided, 1))")
            }

            _ = try begin(users, "INSERT INTO auth_log VALUES (4)")
            _ = try users.exec("PREPARE TRANSACTION 'not-the-proxys'")
        }

        /// After recovery: case 1 committed on both, cases 2 and 3 on neither, the foreign
        /// prepared transaction untouched.
        static func expectRecovered(_ servers: TwoClusterServers, sourceLocation: SourceLocation = #_sourceLocation) throws {
            #expect(try ids(servers.main, "app_log") == [1], sourceLocation: sourceLocation)
            #expect(try ids(servers.users, "auth_log") == [1], sourceLocation: sourceLocation)
            #expect(try TwoClusterServers.preparedNames(servers.users) == ["not-the-proxys"], sourceLocation: sourceLocation)
            #expect(try TwoClusterServers.preparedNames(servers.main) == [], sourceLocation: sourceLocation)
            _ = try servers.users.query("ROLLBACK PREPARED 'not-the-proxys'")
        }

        @Test("at start: in-doubt prepared transactions are committed when main committed, rolled back otherwise")
        func recoveryAtStart() throws {
            try TwoClusterServers.with { servers in
                try servers.createTables(main: Self.logTables.main, users: Self.logTables.users)
                try Self.makeInDoubtStates(servers, instance: "0dead0")
                #expect(try servers.proxyPrepared().count == 4)
                let proxy = try MultiClusterProxy.start(servers.configuration())
                defer { proxy.stop() }
                let resolved = try servers.waitUntilNoProxyPrepared(timeout: 75)
                #expect(resolved != nil, "still prepared: \((try? servers.proxyPrepared()) ?? [])\n\(String(proxy.output().suffix(3000)))")
                try Self.expectRecovered(servers)
            }
        }

        @Test("when the users primary comes back: its in-doubt prepared transactions are resolved")
        func recoveryWhenPrimaryReturns() throws {
            try TwoClusterServers.with { servers in
                try servers.createTables(main: Self.logTables.main, users: Self.logTables.users)
                let proxy = try MultiClusterProxy.start(servers.configuration())
                defer { proxy.stop() }
                // The start-up pass (right after the first checks) finds nothing; these appear
                // while the proxy runs, and stay until users comes back. Only shapes whose
                // decision main already holds: users missed the outcome while it was away.
                Thread.sleep(forTimeInterval: 1)
                try Self.makeInDoubtStates(servers, instance: "0dead1", undecided: false)
                Thread.sleep(forTimeInterval: 0.5)
                #expect(try servers.proxyPrepared().count == 2, "resolved before the server went away")
                try servers.users.server.stop(mode: .fast)
                let down = try waitUntil(timeout: 15, interval: 0.05) {
                    try proxy.stats().cluster("users")?.servers.first?.state == "down"
                }
                #expect(down, "the proxy did not see users down")
                try servers.users.server.start()
                try proxy.waitUntilEveryServerIsUp()
                let resolved = try servers.waitUntilNoProxyPrepared(timeout: 75)
                #expect(resolved != nil, "still prepared: \((try? servers.proxyPrepared()) ?? [])\n\(String(proxy.output().suffix(3000)))")
                try Self.expectRecovered(servers)
            }
        }

        /// Two proxies in front of the same servers (an HA pair) are a normal deployment. A
        /// proxy starting must not resolve the other's prepared transactions while that one may
        /// still be committing them: rolling back users' part while main's COMMIT PREPARED is
        /// about to run would commit main alone, and the other proxy would report success.
        @Test("a proxy starting leaves alone the fresh prepared transactions of another running proxy")
        func recoverySparesAnotherInstancesLiveTransactions() throws {
            try TwoClusterServers.with { servers in
                try servers.createTables(main: Self.logTables.main, users: Self.logTables.users)
                let main = try servers.connectMain()
                defer { main.close() }
                let users = try servers.connectUsers()
                defer { users.close() }
                // The other proxy prepared both parts and is about to COMMIT PREPARED main's.
                let xid = try Self.begin(main, "INSERT INTO app_log VALUES (1)")
                _ = try main.exec("PREPARE TRANSACTION 'sy:0a11e:\(xid):main:0'")
                _ = try Self.begin(users, "INSERT INTO auth_log VALUES (1)")
                _ = try users.exec("PREPARE TRANSACTION 'sy:0a11e:\(xid):main:1'")
                let proxy = try MultiClusterProxy.start(servers.configuration())
                defer { proxy.stop() }
                Thread.sleep(forTimeInterval: 2)
                #expect(try servers.proxyPrepared().count == 2, "the starting proxy resolved them: \((try? servers.proxyPrepared()) ?? [])")
                // The other proxy finishes its commit.
                let first = try pgError { _ = try main.exec("COMMIT PREPARED 'sy:0a11e:\(xid):main:0'") }
                let second = try pgError { _ = try users.exec("COMMIT PREPARED 'sy:0a11e:\(xid):main:1'") }
                #expect(first == nil && second == nil, "\(first?.summary ?? "-") / \(second?.summary ?? "-")")
                #expect(try Self.ids(servers.main, "app_log") == [1])
                #expect(try Self.ids(servers.users, "auth_log") == [1])
            }
        }
    }
}
