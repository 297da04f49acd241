// FencingTests: an old primary that comes back as a stand-alone primary after a failover is fenced:
// stats and the console say so, and neither reads nor writes reach it.
import Foundation
import SwitchyardTesting
import Synchronization
import Testing

extension FailoverTests {
    @Suite("Failover: a returning old primary is fenced")
    struct FencingTests {
        @Test("the old primary restarted on its old timeline is fenced and gets no traffic")
        func returningPrimaryIsFenced() throws {
            let setup = """
                CREATE TABLE fence_probe (id serial PRIMARY KEY, note text);
                ALTER TABLE fence_probe OWNER TO app;
                """
            try withFailoverCluster(setupSQL: setup) { failover in
                let oldPrimary = failover.primary
                let newPrimary = failover.replicas[0]
                let follower = failover.replicas[1]
                try oldPrimary.stop(mode: .immediate)
                try newPrimary.promote()
                try follower.follow(newPrimary)
                let switched = try failover.proxy.waitForStats { $0.primary == newPrimary.address }
                try #require(switched, "the proxy did not follow the promotion\n\(failover.proxyLog)")

                // Without standby.signal the old primary starts as a primary of its own, on timeline 1.
                try oldPrimary.start()
                #expect(try oldPrimary.isInRecovery() == false)
                let restartedAt = Monotonic.now
                let fenced = try failover.proxy.waitForStats {
                    $0.server(port: oldPrimary.port)?.state == "fenced"
                }
                try #require(fenced, "the returning primary was not fenced\n\(failover.proxyLog)")
                let fencedAfter = Monotonic.now - restartedAt
                let cluster = try failover.proxy.mainCluster()
                #expect(cluster.primary == newPrimary.address)
                #expect(failover.proxy.proxy.output().contains("server fenced"))

                let console = try failover.proxy.connectConsole()
                defer { console.close() }
                let servers = try console.exec("SHOW SERVERS")
                let row = try #require(
                    servers.rows.first { $0[servers.columns.firstIndex(of: "port")!] == String(oldPrimary.port) })
                #expect(row[servers.columns.firstIndex(of: "state")!] == "fenced", "\(servers.rows)")

                let commitsBefore = try Self.committedTransactions(on: oldPrimary)
                let queriesBefore = try #require(cluster.server(port: oldPrimary.port)).queries
                let traffic = try Self.runTraffic(through: failover.proxy, watching: oldPrimary, seconds: 3)
                let commitsAfter = try Self.committedTransactions(on: oldPrimary)

                #expect(traffic.errors.isEmpty, "\(traffic.errors.prefix(5))")
                #expect(traffic.writes >= 50 && traffic.reads >= 50)
                #expect(!traffic.ports.contains(oldPrimary.port), "statements ran on the fenced server")
                #expect(traffic.writePorts == [newPrimary.port])
                #expect(traffic.maxClientBackends == 0, "client backends on the fenced server")
                // Only the proxy's health checks (one transaction a second) run there.
                let commits = commitsAfter - commitsBefore
                #expect(commits <= 10, "\(commits) commits on the fenced server")
                #expect(try oldPrimary.query("SELECT count(*) FROM fence_probe", database: TestUser.database) == "0")
                let queriesAfter = try #require(try failover.proxy.mainCluster().server(port: oldPrimary.port)).queries
                #expect(queriesAfter == queriesBefore)
                #expect(try failover.proxy.mainCluster().server(port: oldPrimary.port)?.state == "fenced")
                print(
                    """
                    FencingTests: fenced \(FailoverTests.ms(fencedAfter)) ms after its restart; \(traffic.writes) \
                    writes and \(traffic.reads) reads through the proxy, none on the fenced server; its \
                    xact_commit grew by \(commitsAfter - commitsBefore) (health checks)
                    """)
            }
        }

        /// What the clients of `runTraffic` saw.
        struct Traffic: Sendable {
            var writes = 0
            var reads = 0
            var ports: Set<Int> = []
            var writePorts: Set<Int> = []
            var errors: [String] = []
            var maxClientBackends = 0
        }

        /// Two writers and two readers through the proxy for `seconds`, each statement reporting
        /// the server port it ran on, while `watched` is sampled for client backends in `app`.
        static func runTraffic(through proxy: ClusterProxy, watching watched: LocalPostgres, seconds: Double) throws
            -> Traffic
        {
            let traffic = Mutex(Traffic())
            let deadline = Monotonic.now + seconds
            let conninfo = proxy.conninfo()
            let failures = concurrently(5) { index in
                if index == 4 {
                    // Client backends other than the proxy's control sessions, in the proxied database.
                    while Monotonic.now < deadline {
                        let count = try watched.query(
                            """
                            SELECT count(*) FROM pg_stat_activity WHERE datname = 'app'
                              AND backend_type = 'client backend' AND application_name NOT IN \(ProxyFixture.controlApplicationNames)
                            """)
                        traffic.withLock { $0.maxClientBackends = max($0.maxClientBackends, Int(count) ?? -1) }
                        usleep(100_000)
                    }
                    return
                }
                let connection = try PGConnection(conninfo)
                defer { connection.close() }
                let isWriter = index < 2
                while Monotonic.now < deadline {
                    do {
                        let sql =
                            isWriter
                            ? "INSERT INTO fence_probe (note) VALUES ('through the proxy') RETURNING inet_server_port()"
                            : "SELECT inet_server_port()"
                        let port = Int(try connection.exec(sql).scalar ?? "") ?? -1
                        traffic.withLock { traffic in
                            traffic.ports.insert(port)
                            if isWriter {
                                traffic.writes += 1
                                traffic.writePorts.insert(port)
                            } else {
                                traffic.reads += 1
                            }
                        }
                    } catch {
                        traffic.withLock { $0.errors.append("\(error)") }
                    }
                    usleep(10_000)
                }
            }
            for (index, error) in failures { traffic.withLock { $0.errors.append("client \(index): \(error)") } }
            return traffic.withLock { $0 }
        }

        /// `xact_commit` of database `app` on `server`, after its backends' pending statistics
        /// were flushed (PostgreSQL 15 flushes them at most once a second).
        static func committedTransactions(on server: LocalPostgres) throws -> Int {
            usleep(1_200_000)
            return Int(try server.query("SELECT xact_commit FROM pg_stat_database WHERE datname = 'app'")) ?? -1
        }
    }
}
