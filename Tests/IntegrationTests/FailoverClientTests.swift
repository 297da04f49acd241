// FailoverClientTests: what a client in the middle of something sees when the primary dies: a lost
// transaction ends with 08006 and a ROLLBACK the proxy answers, a COMMIT in flight never reports
// success, and cancel requests find the new primary.
import Dispatch
import Foundation
import SwitchyardTesting
import SwitchyardWire
import Synchronization
import Testing

extension FailoverTests {
    @Suite("Failover: clients in flight")
    struct FailoverClientTests {
        static let probeTable = """
            CREATE TABLE loss_probe (id int);
            ALTER TABLE loss_probe OWNER TO app;
            """

        /// SPEC §5: a server connection lost inside a transaction gives the client 08006 and
        /// leaves it connected. When the loss happens while the client is idle in its transaction,
        /// the 08006 is owed to its next statement.
        @Test(
            "a transaction open on the crashed primary: 08006 for the next statement, ROLLBACK answered")
        func idleTransactionLost() throws {
            try withFailoverCluster(setupSQL: Self.probeTable) { failover in
                let client = try Self.openTransaction(through: failover)
                defer { client.close() }
                try failover.primary.stop(mode: .immediate)
                // Let the proxy see the server connection close while the client is idle.
                usleep(500_000)
                let error = try #require(throws: PGError.self) { try client.exec("INSERT INTO loss_probe VALUES (2)") }
                #expect(error.sqlState == .connectionFailure, "\(error)")
                #expect(client.isHealthy, "the client lost its connection")
                Self.expectRollbackAnswered(on: client, replicas: failover.replicas)
            }
        }

        @Test("a transaction open on the crashed primary: the client stays connected, ROLLBACK is answered")
        func rollbackAfterLostTransaction() throws {
            try withFailoverCluster(setupSQL: Self.probeTable) { failover in
                let client = try Self.openTransaction(through: failover)
                defer { client.close() }
                try failover.primary.stop(mode: .immediate)
                usleep(500_000)
                // No server is left to run it: the proxy itself ends the lost transaction.
                #expect(client.isHealthy, "the client lost its connection")
                Self.expectRollbackAnswered(on: client, replicas: failover.replicas)
            }
        }

        /// The primary waits for a synchronous standby that never comes, so the COMMIT is still in
        /// flight (the server has written it locally, the client has no answer) when it dies. The
        /// client must not hear success: the outcome is unknown, and PostgreSQL's own clients see
        /// a broken connection there.
        @Test("a COMMIT in flight when the primary dies is not reported as success")
        func commitInFlightIsNotAcknowledged() throws {
            try withFailoverCluster(
                primarySettings: ["synchronous_standby_names": "'no_such_standby'", "synchronous_commit": "'on'"],
                setupSQL: Self.probeTable
            ) { failover in
                let primary = failover.primary
                let client = try failover.proxy.connect()
                defer { client.close() }
                _ = try client.exec("BEGIN")
                _ = try client.exec("INSERT INTO loss_probe VALUES (1)")

                let crashed = Mutex<Result<Bool, any Error>?>(nil)
                DispatchQueue.global().async {
                    let result = Result {
                        let waiting = try waitUntil(timeout: 10, interval: 0.05) {
                            try primary.query(
                                "SELECT count(*) FROM pg_stat_activity WHERE datname = 'app' AND wait_event = 'SyncRep'"
                            ) == "1"
                        }
                        if waiting { try primary.stop(mode: .immediate) }
                        return waiting
                    }
                    crashed.withLock { $0 = result }
                }
                let commit = Result { try client.exec("COMMIT") }
                try #require(waitUntil(timeout: 30) { crashed.withLock { $0 != nil } })
                try #require(try crashed.withLock { $0! }.get(), "the COMMIT never waited for the standby")

                switch commit {
                case .success(let result):
                    Issue.record("COMMIT reported success (\(result.commandTag)) although the server died first")
                case .failure(let error):
                    let error = try #require(error as? PGError)
                    #expect(error.sqlState == .connectionFailure, "\(error)")
                }
                #expect(client.isHealthy, "the client lost its connection")
                Self.expectRollbackAnswered(on: client, replicas: failover.replicas)
            }
        }

        @Test("a cancel request reaches the new primary after a failover: 57014 within 1 s")
        func cancelAfterFailover() throws {
            try withFailoverCluster { failover in
                let oldPrimary = failover.primary
                let newPrimary = failover.replicas[0]
                let early = try failover.proxy.connect()
                defer { early.close() }
                let hint = "/* switchyard: primary */ "
                #expect(try early.exec(hint + "SELECT inet_server_port()").scalar == String(oldPrimary.port))

                try oldPrimary.stop(mode: .immediate)
                try newPrimary.promote()
                let switched = try failover.proxy.waitForStats { $0.primary == newPrimary.address }
                try #require(switched, "the proxy did not follow the promotion\n\(failover.proxyLog)")
                let late = try failover.proxy.connect()
                defer { late.close() }

                for (label, client) in [("connected before the failover", early), ("connected after it", late)] {
                    let canceller = try client.makeCanceller()
                    let sent = Mutex<Double?>(nil)
                    DispatchQueue.global().async {
                        // Cancel once the sleep is seen running on the new primary.
                        let running = try? waitUntil(timeout: 10, interval: 0.05) {
                            try newPrimary.query(
                                """
                                SELECT count(*) FROM pg_stat_activity
                                WHERE datname = 'app' AND state = 'active' AND query LIKE '%pg_sleep(30)%'
                                """) == "1"
                        }
                        guard running == true else { return }
                        sent.withLock { $0 = Monotonic.now }
                        try? canceller.cancel()
                    }
                    let error = try #require(throws: PGError.self, "\(label)") {
                        try client.exec(hint + "SELECT pg_sleep(30)")
                    }
                    let ended = Monotonic.now
                    #expect(error.sqlState == .queryCanceled, "\(label): \(error)")
                    let sentAt = try #require(sent.withLock { $0 }, "\(label): the sleep never ran on the new primary")
                    #expect(ended - sentAt < 1, "\(label): cancelled \(ended - sentAt) s after the request")
                    let took = FailoverTests.ms(ended - sentAt)
                    print("FailoverClientTests.cancel (\(label)): 57014 \(took) ms after the request")
                }
            }
        }

        /// A client through the proxy inside BEGIN, with a row inserted on the primary.
        static func openTransaction(through failover: FailoverCluster) throws -> PGConnection {
            let client = try failover.proxy.connect()
            _ = try client.exec("BEGIN")
            let port = try client.exec("INSERT INTO loss_probe VALUES (1) RETURNING inet_server_port()").scalar
            try #require(port == String(failover.primary.port))
            return client
        }

        /// After a lost transaction: ROLLBACK succeeds (no server is involved), the session is
        /// idle again, and a read runs on a replica.
        static func expectRollbackAnswered(on client: PGConnection, replicas: [LocalPostgres]) {
            do {
                let rollback = try client.exec("ROLLBACK")
                #expect(rollback.commandTag == "ROLLBACK")
                #expect(client.transactionStatus == .idle)
                let port = try client.exec("SELECT inet_server_port()").scalar
                #expect(replicas.map { String($0.port) }.contains(port ?? ""), "read ran on port \(port ?? "?")")
            } catch {
                Issue.record("after the lost transaction: \(error)")
            }
        }
    }
}
