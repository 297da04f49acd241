// DriverCompatibilityTests: real client drivers through a read/write split proxy in transaction
// mode — asyncpg (prepares every query), psycopg 3 (prepare_threshold=0, pipelines), the JDBC
// driver (prepareThreshold=1) and pgbench -M prepared — get correct results and no errors.
import Foundation
import SwitchyardTesting
import Testing

@Suite("Drivers through the split proxy", .serialized)
struct DriverCompatibilityTests {
    /// `python3` from PATH when it can import `module`.
    private static func python(with module: String) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .map { "\($0)/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let path, (try? Command(path, ["-c", "import \(module)"]).run(timeout: 30).succeeded) == true else {
            return nil
        }
        return path
    }

    private static let asyncpgPython = python(with: "asyncpg")
    private static let psycopgPython = python(with: "psycopg")
    /// Debian's `libpostgresql-jdbc-java`.
    private static let jdbcJar: String? = ["/usr/share/java/postgresql.jar"].first {
        FileManager.default.fileExists(atPath: $0)
    }
    private static let java: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        .map { "\($0)/java" }.first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs `script` with `arguments` and decodes the JSON object it prints last.
    private func runScript<Summary: Decodable>(
        _ python: String, _ script: String, _ arguments: [String], timeout: Double, as type: Summary.Type
    ) throws -> Summary {
        let result = try Command(python, ["-c", script] + arguments).run(timeout: timeout)
        #expect(result.succeeded, "\(result.standardError)")
        let line = result.standardOutput.split(separator: "\n").last.map(String.init) ?? ""
        do {
            return try JSONDecoder().decode(Summary.self, from: Data(line.utf8))
        } catch {
            Issue.record("no summary: \(result.standardOutput) \(result.standardError)")
            throw error
        }
    }

    // MARK: - asyncpg

    struct AsyncpgSummary: Decodable {
        var queries: Int
        var errors: Int
        var wrong: Int
        var samples: [String]
        var unfinished: [String]
    }

    /// One event loop: no server connection moves between loops (see the disabled test below).
    @Test(
        "asyncpg: 50 tasks, 10,000 prepared queries with parameters over pool_size 5, no errors (one worker loop)",
        .enabled(if: asyncpgPython != nil, "asyncpg is not installed: pip install asyncpg"))
    func asyncpgOneLoop() throws {
        try runAsyncpg(workers: 1)
    }

    /// With the default workers (one loop per core), idle server connections are handed between
    /// loops while 50 clients compete for 5 of them.
    @Test(
        "asyncpg: 50 tasks, 10,000 prepared queries with parameters over pool_size 5, no errors",
        .enabled(if: asyncpgPython != nil, "asyncpg is not installed: pip install asyncpg"))
    func asyncpgDefaultWorkers() throws {
        try runAsyncpg(workers: nil)
    }

    private func runAsyncpg(workers: Int?) throws {
        let split = try SplitProxy.start(poolSize: 5) { configuration in
            if let workers { configuration.proxySettings["workers"] = String(workers) }
        }
        defer { split.stop() }
        let direct = try split.fixture.connectDirect()
        defer { direct.close() }
        _ = try direct.exec("CREATE TABLE async_items (id serial PRIMARY KEY, task int NOT NULL, n int NOT NULL)")
        try split.waitForReplicas()
        let dsn = "postgresql://app:app@127.0.0.1:\(split.fixture.port)/app?sslmode=disable"
        let started = Monotonic.now
        let summary = try runScript(
            try #require(Self.asyncpgPython), DriverScripts.asyncpg, [dsn, "50", "200", "120"], timeout: 180,
            as: AsyncpgSummary.self)
        print("asyncpg, workers \(workers.map(String.init) ?? "default"): \(summary.queries) queries, \(summary.errors) errors in \(String(format: "%.1f", Monotonic.now - started)) s")
        #expect(summary.unfinished.isEmpty, "\(summary.unfinished.count) tasks stuck: \(summary.unfinished.prefix(10))")
        #expect(summary.queries == 10_000)
        #expect(summary.errors == 0, "\(summary.samples)")
        #expect(summary.wrong == 0, "\(summary.samples)")
        // A quarter of the queries inserted a row in a transaction; the primary has each of them.
        #expect(
            try direct.exec("SELECT count(*), count(DISTINCT task), sum(n) FROM async_items").rows
                == [["2500", "50", String(50 * (0..<200).filter { $0 % 4 == 3 }.reduce(0, +))]])
    }

    // MARK: - psycopg 3

    @Test(
        "psycopg 3: prepare_threshold=0 and pipelines give correct results, prepared reads on replicas, writes on the primary",
        .enabled(if: psycopgPython != nil, "psycopg 3 is not installed: pip install \"psycopg[binary]\""))
    func psycopg() throws {
        let split = try SplitProxy.start(poolSize: 2)
        defer { split.stop() }
        let direct = try split.fixture.connectDirect()
        defer { direct.close() }
        _ = try direct.exec("CREATE TABLE pg3_items (id int PRIMARY KEY, note text NOT NULL)")
        try split.waitForReplicas()
        let out = try runScript(
            try #require(Self.psycopgPython), DriverScripts.psycopg, [split.fixture.conninfo()], timeout: 120,
            as: [String: [[String]]].self)
        let primary = split.primaryPort
        func onReplicas(_ rows: [[String]]?) -> Bool {
            guard let rows, !rows.isEmpty else { return false }
            return rows.allSatisfy { split.replicaPorts.contains($0.last ?? "") }
        }
        #expect(out["reads"]?.map { $0.first } == (0..<6).map { String($0 * 3) })
        #expect(onReplicas(out["reads"]), "\(out["reads"] ?? [])")
        #expect(out["pipeline_read"]?.map { $0.first } == ["r0", "r1", "r2", "r3"])
        // A pipeline's messages reach the proxy before its Sync, so it cannot know the batch holds
        // only reads: it runs on the primary (by design), on one server in any case.
        let pipelinePorts = Set(out["pipeline_read"]?.compactMap { $0.last } ?? [])
        #expect(pipelinePorts.count == 1, "\(out["pipeline_read"] ?? [])")
        print("psycopg: a pipeline of reads ran on \(pipelinePorts.map(split.name(of:)))")
        // One pipeline up to its Sync runs on one server: a write in it takes the reads along, and
        // they see the write.
        #expect(out["pipeline_write"] == [[primary], ["two", primary], ["one!"]])
        #expect(out["transaction"] == [["three", primary]])
        #expect(out["duplicate"] == [["23505"]])
        #expect(out["after_rollback"] == [["0"]])
        #expect(
            try direct.exec("SELECT id, note FROM pg3_items ORDER BY id").rows
                == [["1", "one!"], ["2", "two"], ["3", "three"]])
    }

    // MARK: - JDBC

    /// Runs the JDBC probe in `mode` through the proxy and returns its output lines, split at `|`.
    private func runJava(_ mode: String, split: SplitProxy) throws -> [[String]] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jdbc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("SplitProbe.java")
        try DriverScripts.jdbc.write(to: source, atomically: true, encoding: .utf8)
        let url = "jdbc:postgresql://127.0.0.1:\(split.fixture.port)/app?prepareThreshold=1&sslmode=disable"
        let result = try Command(
            try #require(Self.java),
            ["-cp", try #require(Self.jdbcJar), source.path, url, "app", "app", mode]
        ).run(timeout: 120)
        #expect(result.succeeded, "\(result.standardError)")
        return result.standardOutput.split(separator: "\n").map { $0.split(separator: "|").map(String.init) }
    }

    @Test(
        "JDBC: prepared statements (prepareThreshold=1) and transactions give correct results",
        .enabled(if: jdbcJar != nil && java != nil, "the JDBC driver is not installed: apt-get install libpostgresql-jdbc-java"))
    func jdbc() throws {
        let split = try SplitProxy.start(poolSize: 2)
        defer { split.stop() }
        let direct = try split.fixture.connectDirect()
        defer { direct.close() }
        _ = try direct.exec("CREATE TABLE jdbc_items (id int PRIMARY KEY, note text NOT NULL)")
        try split.waitForReplicas()
        let lines = try runJava("main", split: split)
        let primary = split.primaryPort
        let reads = lines.filter { $0.first == "read" }
        #expect(reads.map { $0[1] } == (0..<8).map { String($0 * 2) })
        #expect(reads.allSatisfy { split.replicaPorts.contains($0[2]) }, "\(reads)")
        #expect(lines.filter { $0.first == "insert" } == (0..<4).map { ["insert", String($0), primary] })
        #expect(lines.contains(["transaction", "hundred", primary, primary]))
        #expect(lines.contains(["committed", "hundred!"]))
        #expect(lines.contains(["rolled_back", "0"]))
        #expect(lines.last == ["done"])
        #expect(
            try direct.exec("SELECT count(*) FROM jdbc_items WHERE id < 100").scalar == "4")
    }

    /// pgjdbc begins a read-only transaction (`setReadOnly(true)`, autocommit off) with
    /// `BEGIN READ ONLY` sent through the extended protocol with the first statement.
    @Test(
        "JDBC: a read-only transaction runs on a replica",
        .enabled(if: jdbcJar != nil && java != nil, "the JDBC driver is not installed: apt-get install libpostgresql-jdbc-java"))
    func jdbcReadOnly() throws {
        let split = try SplitProxy.start(poolSize: 2)
        defer { split.stop() }
        let lines = try runJava("readonly", split: split)
        let ports = lines.filter { $0.first == "readonly" }
        #expect(ports.count == 3)
        for row in ports {
            #expect(row[1] == row[2], "one transaction ran on two servers: \(row)")
            #expect(split.replicaPorts.contains(row[1]), "read-only transaction ran on \(split.name(of: row[1]))")
        }
        #expect(lines.last == ["done"])
    }

    // MARK: - pgbench

    /// The TPC-B-like script moves one delta into an account, a teller and a branch and logs it,
    /// all in one transaction: the three balance sums stay equal and the history sums to them.
    @Test("pgbench -M prepared -c 8 -T 10 through the split proxy: no failed transactions, consistent balances")
    func pgbench() throws {
        let split = try SplitProxy.start(poolSize: 4) { $0.proxySettings["query_wait_timeout_ms"] = "30000" }
        defer { split.stop() }
        let initialize = try ClientTools.pgbench(
            ["-i", "-s", "1", "-q"] + split.fixture.directClientArguments(), password: "app", timeout: 120)
        #expect(initialize.succeeded, "\(initialize.standardError)")
        try split.waitForReplicas()
        let run = try ClientTools.pgbench(
            ["-M", "prepared", "-c", "8", "-j", "2", "-T", "10"] + split.fixture.clientArguments(), password: "app",
            timeout: 120)
        #expect(run.succeeded, "\(run.standardError)")
        #expect(run.standardOutput.contains("number of failed transactions: 0 (0.000%)"), "\(run.standardOutput)")
        let processed = try #require(
            run.standardOutput.firstMatch(of: /number of transactions actually processed: (\d+)/).map { Int($0.1) ?? 0 },
            "\(run.standardOutput)")
        print("pgbench -M prepared through the split proxy: \(processed) transactions")
        #expect(processed > 0)
        let direct = try split.fixture.connectDirect()
        defer { direct.close() }
        let row = try #require(
            try direct.exec(
                """
                SELECT (SELECT sum(abalance) FROM pgbench_accounts), (SELECT sum(bbalance) FROM pgbench_branches),
                       (SELECT sum(tbalance) FROM pgbench_tellers), (SELECT coalesce(sum(delta), 0) FROM pgbench_history),
                       (SELECT count(*) FROM pgbench_history)
                """
            ).rows.first)
        #expect(row[0] == row[1] && row[1] == row[2] && row[2] == row[3], "\(row)")
        #expect(row[4] == String(processed))
    }
}
