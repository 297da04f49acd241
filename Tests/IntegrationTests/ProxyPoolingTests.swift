// ProxyPoolingTests: transaction and session pooling with many real clients, checked against what
// the server itself reports (backend PIDs, pg_stat_activity) and against direct connections.
import Foundation
import SwitchyardTesting
import SwitchyardWire
import Synchronization
import Testing

@Suite("Proxy pooling", .serialized)
struct ProxyPoolingTests {
    /// Every transaction's statements run on one backend, and the server never sees more backends
    /// for the proxy's database than pool_size, however many clients there are.
    @Test("transaction mode: 20 clients on pool_size 2, each transaction on one backend")
    func transactionMode() throws {
        // A long query_wait_timeout_ms: turns are not yet fair across loops (see ProxyPoolFairnessTests),
        // and a loaded machine must not turn that into a failure of this test.
        let fixture = try ProxyFixture.start(
            ProxyConfiguration(poolMode: "transaction", poolSize: 2, proxySettings: ["query_wait_timeout_ms": "30000"]))
        defer { fixture.stop() }
        let seen = Mutex<Set<String>>([])
        let mostBackends = Mutex(0)
        let done = Atomic(false)
        let observer = Thread {
            while !done.load(ordering: .relaxed) {
                if let count = try? fixture.serverBackendCount() { mostBackends.withLock { $0 = max($0, count) } }
                usleep(20_000)
            }
        }
        observer.start()
        let failures = concurrently(20) { index in
            let connection = try fixture.connect()
            defer { connection.close() }
            for round in 0..<10 {
                _ = try connection.exec("BEGIN")
                let first = try connection.exec("SELECT pg_backend_pid()").scalar
                _ = try connection.exec("SELECT pg_sleep(0.002)")
                let echoed = try connection.execParams("SELECT $1::int * 2", params: [String(index * 100 + round)])
                let last = try connection.exec("SELECT pg_backend_pid()").scalar
                _ = try connection.exec("COMMIT")
                guard first == last, let first else {
                    throw PGError(
                        kind: .client, message: "transaction moved from backend \(first ?? "-") to \(last ?? "-")")
                }
                guard echoed.scalar == String((index * 100 + round) * 2) else {
                    throw PGError(kind: .client, message: "wrong answer \(echoed.rows)")
                }
                seen.withLock { _ = $0.insert(first) }
            }
        }
        done.store(true, ordering: .relaxed)
        while observer.isExecuting { usleep(5_000) }
        #expect(failures.isEmpty, "\(failures)")
        #expect((1...2).contains(seen.withLock { $0.count }), "backends \(seen.withLock { $0 })")
        #expect(mostBackends.withLock { $0 } <= 2)
        #expect(try fixture.serverBackendCount() <= 2)
    }

    /// In session mode a client keeps its backend; when it leaves, `DISCARD ALL` runs before the
    /// next client gets that backend, so nothing of the first session reaches the second.
    @Test("session mode: one backend per client, reset with DISCARD ALL before the next client")
    func sessionMode() throws {
        let fixture = try ProxyFixture.start(ProxyConfiguration(poolMode: "session", poolSize: 1))
        defer { fixture.stop() }
        let fresh = try fixture.connectDirect()
        let defaults = try fresh.exec("SELECT current_setting('work_mem'), current_setting('search_path')").rows
        fresh.close()

        let first = try fixture.connect()
        let pid = try #require(try first.exec("SELECT pg_backend_pid()").scalar)
        _ = try first.exec("SET work_mem = '1234kB'")
        _ = try first.exec("SET search_path = pg_catalog")
        _ = try first.exec("CREATE TEMP TABLE leftover (n int)")
        _ = try first.exec("PREPARE leftover_plan AS SELECT 1")
        _ = try first.exec("SELECT pg_advisory_lock(4242)")
        for _ in 0..<3 {
            _ = try first.exec("BEGIN")
            #expect(try first.exec("SELECT pg_backend_pid()").scalar == pid)
            _ = try first.exec("COMMIT")
            #expect(try first.exec("SELECT pg_backend_pid()").scalar == pid)
        }
        #expect(try first.exec("SELECT current_setting('work_mem')").scalar == "1234kB")
        first.close()

        let second = try fixture.connect()
        defer { second.close() }
        #expect(try second.exec("SELECT pg_backend_pid()").scalar == pid, "pool_size 1: the same backend")
        #expect(try second.exec("SELECT current_setting('work_mem'), current_setting('search_path')").rows == defaults)
        #expect(
            try second.exec("SELECT count(*) FROM pg_class WHERE relname = 'leftover' AND relpersistence = 't'").scalar
                == "0")
        #expect(try second.exec("SELECT count(*) FROM pg_prepared_statements").scalar == "0")
        #expect(try second.exec("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").scalar == "0")
    }

    @Test("session mode: clients at the same time keep separate backends across transactions")
    func sessionModeConcurrent() throws {
        let fixture = try ProxyFixture.start(ProxyConfiguration(poolMode: "session", poolSize: 3))
        defer { fixture.stop() }
        let clients = try (0..<3).map { _ in try fixture.connect() }
        defer { for client in clients { client.close() } }
        let pids = try clients.map { try #require(try $0.exec("SELECT pg_backend_pid()").scalar) }
        #expect(Set(pids).count == 3)
        for round in 0..<5 {
            for (index, client) in clients.enumerated() {
                if round % 2 == 0 { _ = try client.exec("BEGIN") }
                #expect(try client.exec("SELECT pg_backend_pid()").scalar == pids[index])
                if round % 2 == 0 { _ = try client.exec("COMMIT") }
            }
        }
        #expect(try fixture.serverBackendCount() == 3)
    }

    /// 500 clients stay connected at once while 10 server connections serve all their queries.
    @Test("transaction mode: 500 concurrent clients on pool_size 10, every query succeeds")
    func fiveHundredClients() throws {
        let fixture = try ProxyFixture.start(
            ProxyConfiguration(poolMode: "transaction", poolSize: 10, proxySettings: ["query_wait_timeout_ms": "30000"])
        )
        defer { fixture.stop() }
        let threads = 50
        let perThread = 10
        let connected = Barrier(threads)
        let answered = Atomic(0)
        let failures = concurrently(threads) { thread in
            var connections: [PGConnection] = []
            defer { for connection in connections { connection.close() } }
            do {
                for _ in 0..<perThread { connections.append(try fixture.connect(timeout: 60)) }
            } catch {
                connected.arriveAndWait()
                throw error
            }
            guard connected.arriveAndWait() else {
                throw PGError(kind: .client, message: "clients did not all connect")
            }
            for round in 0..<3 {
                for (offset, connection) in connections.enumerated() {
                    let value = thread * 1000 + offset * 10 + round
                    let result: PGResult
                    switch round {
                    case 0: result = try connection.exec("SELECT \(value)")
                    case 1: result = try connection.execParams("SELECT $1::int", params: [String(value)])
                    default:
                        _ = try connection.exec("BEGIN")
                        result = try connection.exec("SELECT \(value)")
                        _ = try connection.exec("COMMIT")
                    }
                    guard result.scalar == String(value) else {
                        throw PGError(kind: .client, message: "expected \(value), got \(result.rows)")
                    }
                    answered.add(1, ordering: .relaxed)
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
        #expect(answered.load(ordering: .relaxed) == threads * perThread * 3)
        #expect(try fixture.serverBackendCount() <= 10)
        #expect(fixture.proxy.isRunning)
    }

    /// pgbench's TPC-B-like transaction moves the same delta into an account, a teller and a
    /// branch and logs it in history, so after any number of transactions the three balance sums
    /// are equal, and a run's history sums to the change in balance it made.
    @Test(
        "pgbench -i, then -c 16 -j 2 in simple, extended and prepared mode: no failures, consistent data",
        arguments: ["transaction", "session"])
    func pgbench(poolMode: String) throws {
        // query_wait_timeout_ms as in transactionMode(): turns are not yet fair across loops.
        let fixture = try ProxyFixture.start(
            ProxyConfiguration(
                poolMode: poolMode, poolSize: poolMode == "session" ? 17 : 6,
                proxySettings: ["query_wait_timeout_ms": "30000"]))
        defer { fixture.stop() }
        let initialize = try ClientTools.pgbench(["-i", "-s", "1", "-q"] + fixture.clientArguments(), password: "app")
        #expect(initialize.succeeded, "\(initialize.standardError)")
        let direct = try fixture.connectDirect()
        defer { direct.close() }
        let proxied = try fixture.connect()
        defer { proxied.close() }
        let balances = """
            SELECT (SELECT sum(abalance) FROM pgbench_accounts), (SELECT sum(bbalance) FROM pgbench_branches),
                   (SELECT sum(tbalance) FROM pgbench_tellers), (SELECT count(*) FROM pgbench_accounts)
            """
        #expect(try direct.exec(balances).rows == [["0", "0", "0", "100000"]])

        for mode in ["simple", "extended", "prepared"] {
            let before = Int(try direct.exec("SELECT sum(abalance) FROM pgbench_accounts").scalar ?? "") ?? 0
            let run = try ClientTools.pgbench(
                ["-c", "16", "-j", "2", "-T", "5", "-M", mode] + fixture.clientArguments(), password: "app", timeout: 60
            )
            #expect(run.succeeded, "\(mode): \(run.standardError)")
            #expect(
                run.standardOutput.contains("number of failed transactions: 0 (0.000%)"),
                "\(mode): \(run.standardOutput)")
            let processed = try #require(
                run.standardOutput.firstMatch(of: /number of transactions actually processed: (\d+)/).map {
                    Int($0.1) ?? 0
                },
                "\(mode): \(run.standardOutput)")
            #expect(processed > 0)

            let sums = try direct.exec(balances).rows
            #expect(try proxied.exec(balances).rows == sums, "\(mode)")
            let row = try #require(sums.first)
            #expect(row[0] == row[1] && row[1] == row[2], "\(mode): \(row)")
            let history = try direct.exec("SELECT count(*), coalesce(sum(delta), 0) FROM pgbench_history").rows
            #expect(try proxied.exec("SELECT count(*), coalesce(sum(delta), 0) FROM pgbench_history").rows == history)
            #expect(history.first?[0] == String(processed), "\(mode)")
            #expect(history.first?[1] == String((Int(row[0] ?? "") ?? 0) - before), "\(mode)")
        }
        let maximum = poolMode == "session" ? 17 : 6
        #expect(try fixture.serverBackendCount(excluding: [direct.backendPID]) <= maximum)
    }
}

@Suite("Proxy pooling fairness", .serialized)
struct ProxyPoolFairnessTests {
    /// 12 clients share one server connection, each running 30 short transactions back to back.
    /// Served in turn, a transaction waits for about 11 others (~0.15 s); a client must never wait
    /// for another client's whole run.
    @Test(
        "with more clients than server connections, every client gets its turn"
    )
    func everyClientGetsItsTurn() throws {
        let fixture = try ProxyFixture.start(
            ProxyConfiguration(poolMode: "transaction", poolSize: 1, proxySettings: ["workers": "2"]))
        defer { fixture.stop() }
        let slowest = Mutex<Double>(0)
        let ready = Barrier(12)
        let failures = concurrently(12) { index in
            let connection = try fixture.connect()
            defer { connection.close() }
            ready.arriveAndWait()
            for round in 0..<30 {
                let started = Monotonic.now
                #expect(try connection.exec("SELECT pg_sleep(0.01), \(round)").rows.first?[1] == String(round))
                let elapsed = Monotonic.now - started
                slowest.withLock { $0 = max($0, elapsed) }
            }
        }
        #expect(failures.isEmpty, "\(failures)")
        #expect(slowest.withLock { $0 } < 1.0, "a transaction waited \(slowest.withLock { $0 }) s")
    }
}
