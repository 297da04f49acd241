// ReplicaHealthTests: replicas that crash or fall behind behind a running proxy: reads move to the
// others without failing clients, and come back once the replica is fit again.
import Foundation
import SwitchyardTesting
import Synchronization
import Testing

extension FailoverTests {
    @Suite("Failover: replicas that crash or lag")
    struct ReplicaHealthTests {
        /// pgbench's select-only script runs autocommit reads, which the proxy sends to the
        /// replicas. One is stopped (immediate mode: its backends die mid-statement) and started
        /// again while pgbench runs: a read lost with its server is retried on another, so no
        /// client sees an error. pgbench aborts a client at its first error, so "no aborted
        /// client" and exit status 0 mean every statement succeeded.
        @Test(
            "pgbench -S -c 8 -T 30 while a replica is stopped (immediate) and restarted: no failures")
        func pgbenchSurvivesReplicaRestart() throws {
            try withFailoverCluster { failover in
                let primary = failover.primary
                let victim = failover.replicas[1]
                let initialize = try ClientTools.pgbench(
                    ["-i", "-s", "1", "-q", "-h", primary.host, "-p", String(primary.port), "-U", "app", "app"],
                    password: "app")
                try #require(initialize.succeeded, "\(initialize.standardError)")
                try FailoverCluster.waitForReplay(on: failover.replicas, of: primary)

                let run = Mutex<Result<CommandResult, any Error>?>(nil)
                let started = Monotonic.now
                // pgbench takes the database as its last argument (its -d is --debug).
                let arguments = [
                    "-S", "-n", "-c", "8", "-j", "2", "-T", "30", "-h", "127.0.0.1", "-p", String(failover.proxy.port),
                    "-U", "app", "app",
                ]
                let bench = Thread {
                    let result = Result { try ClientTools.pgbench(arguments, password: "app", timeout: 90) }
                    run.withLock { $0 = result }
                }
                bench.start()

                Self.sleep(until: started + 5)
                try victim.stop(mode: .immediate)
                let stoppedAt = Monotonic.now
                let down = try failover.proxy.waitForStats(timeout: 10) {
                    $0.server(port: victim.port)?.state == "down"
                }
                #expect(down, "the stopped replica was not marked down\n\(failover.proxyLog)")
                let downAfter = Monotonic.now - stoppedAt

                Self.sleep(until: started + 11)
                try victim.start()
                let restartedAt = Monotonic.now
                let up = try failover.proxy.waitForStats(timeout: 10) {
                    $0.server(port: victim.port)?.state == "up"
                }
                #expect(up, "the restarted replica did not come back up\n\(failover.proxyLog)")
                let upAfter = Monotonic.now - restartedAt
                let readsWhenUp = try failover.proxy.mainCluster().server(port: victim.port)?.reads ?? 0

                let finished = try waitUntil(timeout: 60, interval: 0.1) { run.withLock { $0 != nil } }
                try #require(finished, "pgbench did not finish")
                let result = try #require(run.withLock { $0 }).get()
                let output = result.standardOutput + result.standardError
                let aborted = output.split(separator: "\n").filter { $0.contains("aborted") }
                #expect(result.succeeded, "\(output)\n\(failover.proxyLog)")
                #expect(aborted.isEmpty, "\(aborted)")
                #expect(output.contains("number of failed transactions: 0 (0.000%)"), "\(output)")
                let processed = output.firstMatch(of: /number of transactions actually processed: (\d+)/).map {
                    Int($0.1) ?? 0
                }
                #expect((processed ?? 0) > 0, "\(output)")
                // Back up, the replica takes reads again.
                let readsAtEnd = try failover.proxy.mainCluster().server(port: victim.port)?.reads ?? 0
                #expect(readsAtEnd > readsWhenUp, "the restarted replica got no reads")
                let tps = output.firstMatch(of: /tps = ([0-9.]+)/).map { String($0.1) } ?? "?"
                print(
                    """
                    ReplicaHealthTests.pgbench: -S -c 8 -j 2 -T 30; \(processed ?? 0) transactions, tps \(tps), \
                    \(aborted.count) lines about aborted clients; replica down after \
                    \(FailoverTests.ms(downAfter)) ms, up \
                    \(FailoverTests.ms(upAfter)) ms after its restart; \(readsAtEnd - readsWhenUp) reads on it since
                    """)
            }
        }

        /// `recovery_min_apply_delay` holds back replay at the first commit record, so WAL written
        /// after one commit piles up unreplayed on the delayed replica: its lag, as the proxy
        /// measures it (primary position minus replay position), grows past the limit.
        @Test("a replica lagging past max_replica_lag_bytes gets no reads until it catches up")
        func laggingReplicaGetsNoReads() throws {
            let limit = 1_048_576
            try withFailoverCluster(
                setupSQL: "CREATE TABLE lag_filler (id int, payload text)",
                configure: { $0.healthSettings["max_replica_lag_bytes"] = String(limit) }
            ) { failover in
                let primary = failover.primary
                let prompt = failover.replicas[0]
                let delayed = failover.replicas[1]
                try delayed.query("ALTER SYSTEM SET recovery_min_apply_delay = '1h'; SELECT pg_reload_conf();")
                try #require(try waitUntil { try delayed.query("SHOW recovery_min_apply_delay") == "1h" })
                usleep(300_000)  // the startup process rereads the file too
                try primary.query(
                    """
                    INSERT INTO lag_filler VALUES (0, 'replay stops at this commit');
                    INSERT INTO lag_filler SELECT g, repeat('x', 1000) FROM generate_series(1, 4000) g;
                    """, database: TestUser.database)

                let lagging = try failover.proxy.waitForStats {
                    ($0.server(port: delayed.port)?.lagBytes ?? 0) > limit
                }
                try #require(lagging, "the proxy did not see the lag\n\(failover.proxyLog)")
                // The proxy's figure against one computed by PostgreSQL from the same two positions
                // (nothing is written meanwhile; checkpoints and the like may add a little WAL).
                let replayed = try delayed.query("SELECT pg_last_wal_replay_lsn()")
                let trueLag =
                    Int(try primary.query("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '\(replayed)')")) ?? -1
                var reported = -1
                let agrees = try waitUntil(timeout: 5) {
                    reported = try failover.proxy.mainCluster().server(port: delayed.port)?.lagBytes ?? -1
                    return abs(reported - trueLag) < 256 * 1024
                }
                #expect(agrees, "stats lag_bytes \(reported), PostgreSQL says \(trueLag)")
                #expect(trueLag > limit)
                #expect(try failover.proxy.mainCluster().server(port: delayed.port)?.state == "up")

                let ports = try Self.readPorts(through: failover.proxy, clients: 3, readsEach: 20)
                #expect(!ports.contains(delayed.port), "a read ran on the lagging replica")
                #expect(ports.contains(prompt.port))

                try delayed.query("ALTER SYSTEM RESET recovery_min_apply_delay; SELECT pg_reload_conf();")
                let resetAt = Monotonic.now
                try FailoverCluster.waitForReplay(on: [delayed], of: primary)
                let caughtUp = try failover.proxy.waitForStats {
                    ($0.server(port: delayed.port)?.lagBytes ?? .max) <= limit
                }
                #expect(caughtUp, "the proxy did not see the replica catch up\n\(failover.proxyLog)")
                let readableAfter = Monotonic.now - resetAt
                var readsBack = false
                let deadline = Monotonic.now + 10
                while !readsBack && Monotonic.now < deadline {
                    let ports = try Self.readPorts(through: failover.proxy, clients: 1, readsEach: 10)
                    readsBack = ports.contains(delayed.port)
                }
                #expect(readsBack, "the caught-up replica got no reads")
                print(
                    """
                    ReplicaHealthTests.lag: stats lag_bytes \(reported) (PostgreSQL: \(trueLag)) over the \
                    \(limit) limit, 0 of 60 reads on the lagging replica; readable again \
                    \(FailoverTests.ms(readableAfter)) ms after the delay was removed
                    """)
            }
        }

        /// The ports reported by `SELECT inet_server_port()` run in autocommit by new clients.
        static func readPorts(through proxy: ClusterProxy, clients: Int, readsEach: Int) throws -> [Int] {
            var ports: [Int] = []
            for _ in 0..<clients {
                let connection = try proxy.connect()
                defer { connection.close() }
                for _ in 0..<readsEach {
                    ports.append(Int(try connection.exec("SELECT inet_server_port()").scalar ?? "") ?? -1)
                }
            }
            return ports
        }

        static func sleep(until time: Double) {
            let remaining = time - Monotonic.now
            if remaining > 0 { usleep(useconds_t(remaining * 1_000_000)) }
        }
    }
}
