// ReadAfterWriteTests: a client always reads its own writes through a split proxy, in
// `read_after_write = "window"` and `"lsn"` mode, while one replica replays WAL half a second late
// (`recovery_min_apply_delay`), and other clients' reads stay on the replicas (SPEC §3).
import Foundation
import Synchronization
import SwitchyardTesting
import Testing

@Suite(
    "Read after write", .serialized,
    .throwawayCluster(replicaOptions: [ReplicaOptions(applyDelayMilliseconds: 500), ReplicaOptions()]))
struct ReadAfterWriteTests {
    /// Rows a client writes and reads back at once.
    private static let iterations = 10_000

    /// What one client's insert-then-select loop saw.
    struct LoopReport: CustomStringConvertible {
        var readsByServer: [String: Int] = [:]
        var missing: [Int] = []
        var seconds: Double = 0

        var description: String {
            let total = readsByServer.values.reduce(0, +)
            let onReplicas = total - (readsByServer["primary"] ?? 0)
            let share = total == 0 ? 0 : Double(onReplicas) / Double(total) * 100
            return "\(readsByServer.sorted { $0.key < $1.key }), \(String(format: "%.2f", share)) % on replicas, "
                + "\(missing.count) rows not seen, \(String(format: "%.1f", seconds)) s"
        }
    }

    /// Starts a proxy over the suite's cluster with `mode`, and a table `raw` every replica has.
    private func start(mode: String) throws -> SplitProxy {
        let split = try SplitProxy.start(
            cluster: try ThrowawayCluster.cluster(), databaseSettings: ["read_after_write": "\"\(mode)\""],
            poolSize: 4)
        do {
            let setup = try split.fixture.connectDirect()
            defer { setup.close() }
            _ = try setup.exec("CREATE TABLE raw (id int PRIMARY KEY, payload text NOT NULL)")
            try split.waitForReplicas()
        } catch {
            split.stop()
            throw error
        }
        return split
    }

    /// Inserts rows `ids` one by one and selects each by id right after its INSERT returned;
    /// notes where every select ran and which rows it did not find.
    private func insertAndSelect(_ ids: Range<Int>, on client: PGConnection, split: SplitProxy) throws -> LoopReport {
        var report = LoopReport()
        let started = Monotonic.now
        for id in ids {
            _ = try client.exec("INSERT INTO raw (id, payload) VALUES (\(id), 'row \(id)')")
            let row = try client.exec("SELECT payload, inet_server_port() FROM raw WHERE id = \(id)").rows
            if row.first?[0] != "row \(id)" { report.missing.append(id) }
            report.readsByServer[split.name(of: row.first?[1]), default: 0] += 1
        }
        report.seconds = Monotonic.now - started
        return report
    }

    /// Another client reading while `body` runs on this thread; returns where its reads ran.
    private func whileReading(split: SplitProxy, _ body: () throws -> Void) throws -> [String: Int] {
        let done = Atomic(false)
        let counts = Mutex<[String: Int]>([:])
        let finished = DispatchSemaphore(value: 0)
        let failure = Mutex<(any Error)?>(nil)
        let reader = Thread {
            defer { finished.signal() }
            do {
                let other = try split.fixture.connect()
                defer { other.close() }
                while !done.load(ordering: .acquiring) {
                    let port = try other.exec("SELECT inet_server_port()").scalar
                    counts.withLock { $0[split.name(of: port), default: 0] += 1 }
                    usleep(2_000)
                }
            } catch {
                failure.withLock { $0 = error }
            }
        }
        reader.start()
        let outcome = Result { try body() }
        done.store(true, ordering: .releasing)
        finished.wait()
        try outcome.get()
        #expect(failure.withLock { $0 } == nil, "the other client failed: \(String(describing: failure.withLock { $0 }))")
        return counts.withLock { $0 }
    }

    /// The servers commit asynchronously (`synchronous_commit = off`, see `TestCluster`); the lsn
    /// case where the client asks for synchronous commits isolates read-after-write from the
    /// asynchronous-commit bug of the case below.
    @Test(
        "every read right after a write sees it, 10,000 times (window; lsn with synchronous commits)",
        arguments: [("window", nil), ("lsn", "on")] as [(String, String?)])
    func readYourWrites(mode: String, synchronousCommit: String?) throws {
        try runReadYourWrites(mode: mode, synchronousCommit: synchronousCommit)
    }

    @Test(
        "lsn: every read right after an asynchronously committed write sees it, 10,000 times")
    func readYourWritesAsynchronousCommit() throws {
        try runReadYourWrites(mode: "lsn", synchronousCommit: nil)
    }

    private func runReadYourWrites(mode: String, synchronousCommit: String?) throws {
        let split = try start(mode: mode)
        defer { split.stop() }
        let client = try split.fixture.connect()
        defer { client.close() }
        if let synchronousCommit { _ = try client.exec("SET synchronous_commit = \(synchronousCommit)") }
        var seen = LoopReport()
        let others = try whileReading(split: split) {
            seen = try insertAndSelect(0..<Self.iterations, on: client, split: split)
        }
        print(
            "read_after_write = \(mode), synchronous_commit \(synchronousCommit ?? "off (server)"): the writer's reads "
                + "\(seen); another client's reads \(others)")
        #expect(seen.missing.isEmpty, "rows not seen right after their INSERT: \(seen.missing.prefix(20))")
        #expect(seen.readsByServer.values.reduce(0, +) == Self.iterations)
        if mode == "window" {
            // Each read follows its write by far less than read_after_write_window_ms.
            #expect(seen.readsByServer == ["primary": Self.iterations], "\(seen)")
        }
        // Other clients are unaffected: their reads keep going to the replicas.
        #expect(others["primary"] == nil, "another client's reads: \(others)")
        #expect((others["replica1"] ?? 0) > 0 && (others["replica2"] ?? 0) > 0, "another client's reads: \(others)")

        // Once the replicas have the rows (and the window is over), the writer reads from them again.
        try split.waitForReplicas()
        usleep(1_200_000)
        let later = split.named(try split.ports(of: "SELECT inet_server_port() FROM raw WHERE id = 0", times: 10, on: client))
        #expect(later["primary"] == nil, "the writer's reads after its replicas caught up: \(later)")
    }

    /// With asynchronous commit the commit record of an INSERT can still be in the primary's WAL
    /// buffers when the proxy asks for `pg_current_wal_lsn()` (the write position), so a replica
    /// that replayed up to that position lacks the row. A pause of 5 ms lets the capture finish
    /// before the SELECT is routed (otherwise the SELECT follows the INSERT on the primary).
    @Test(
        "lsn: a read a moment after an asynchronously committed write sees it")
    func lsnAfterAsynchronousCommit() throws {
        let split = try start(mode: "lsn")
        defer { split.stop() }
        let client = try split.fixture.connect()
        defer { client.close() }
        var missing: [Int] = []
        for id in 0..<300 {
            _ = try client.exec("INSERT INTO raw (id, payload) VALUES (\(id), 'row \(id)')")
            usleep(5_000)
            if try client.exec("SELECT payload FROM raw WHERE id = \(id)").scalar != "row \(id)" { missing.append(id) }
        }
        #expect(missing.isEmpty, "\(missing.count) of 300 rows not seen: \(missing.prefix(20))")
    }

    /// In lsn mode a read after a write may use a replica as soon as the proxy knows the replica
    /// replayed that write. It learns replay positions from health checks (every 200 ms here), so
    /// this waits for the undelayed replica to replay the write and then for two check intervals.
    @Test("lsn: a read after a write runs on a replica that has replayed the write")
    func lsnUsesCaughtUpReplica() throws {
        let split = try start(mode: "lsn")
        defer { split.stop() }
        let client = try split.fixture.connect()
        defer { client.close() }
        let fast = split.replicas[1]
        for id in 0..<5 {
            _ = try client.exec("INSERT INTO raw (id, payload) VALUES (\(id), 'row \(id)')")
            try fast.waitUntilCaughtUp(with: split.primary)
            usleep(450_000)
            let row = try client.exec("SELECT payload, inet_server_port() FROM raw WHERE id = \(id)").rows
            #expect(row.first?[0] == "row \(id)")
            #expect(split.replicaPorts.contains(row.first?[1] ?? ""), "read ran on \(split.name(of: row.first?[1]))")
        }
    }

    /// The acceptance asks that in lsn mode most reads of the insert-then-select loop run on a
    /// replica once it has caught up: a replica whose last health check is older than the write
    /// is asked whether it replayed the write's position before the read goes there.
    @Test("lsn: most reads right after a write still run on a replica")
    func lsnReadsMostlyOnReplicas() throws {
        let split = try start(mode: "lsn")
        defer { split.stop() }
        let client = try split.fixture.connect()
        defer { client.close() }
        _ = try client.exec("SET synchronous_commit = on")
        let report = try insertAndSelect(0..<Self.iterations, on: client, split: split)
        print("read_after_write = lsn: the writer's reads \(report)")
        #expect(report.missing.isEmpty)
        let onReplicas = Self.iterations - (report.readsByServer["primary"] ?? 0)
        #expect(onReplicas * 2 > Self.iterations, "\(report)")
    }
}

