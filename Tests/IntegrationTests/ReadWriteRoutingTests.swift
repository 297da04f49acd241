// ReadWriteRoutingTests: which statements a split proxy sends to the primary and which to a
// replica — writes, locking reads, write functions, transactions, multi-statement queries, hints,
// `SET switchyard.target` and the extended protocol (SPEC §3). Each statement reports where it ran
// with `inet_server_port()`, or leaves an effect that only the primary can have.
import Foundation
import SwitchyardTesting
import SwitchyardWire
import Testing

@Suite(
    "Read/write split: what runs where", .serialized,
    .sharedProxy {
        SplitProxy.configuration(cluster: try TestCluster.shared.main(), databaseSettings: ["read_after_write": "\"none\""])
    })
struct ReadWriteRoutingTests {
    /// The suite's proxy, with a table `items` and a sequence `items_seq` made through it.
    private func setUp() throws -> (SplitProxy, PGConnection) {
        let split = SplitProxy(try SharedProxy.fixture())
        let client = try split.fixture.connect()
        _ = try client.exec(
            """
            CREATE TABLE IF NOT EXISTS items (id serial PRIMARY KEY, note text, port int);
            CREATE SEQUENCE IF NOT EXISTS items_seq;
            INSERT INTO items (note) SELECT 'seed' WHERE NOT EXISTS (SELECT FROM items WHERE note = 'seed');
            INSERT INTO items (note) SELECT 'victim' FROM generate_series(1, 4)
            """)
        try split.waitForReplicas()
        // The control: on this very connection a plain read runs on a replica.
        let port = try client.exec("SELECT inet_server_port()").scalar
        #expect(split.replicaPorts.contains(port ?? ""), "a plain read ran on \(split.name(of: port))")
        return (split, client)
    }

    /// Statements that must run on the primary; the first column of their last result is
    /// `inet_server_port()`. Each runs four times, so that a round robin over the replicas would
    /// have had its turns.
    @Test(
        "writes, locking reads and write functions run on the primary",
        arguments: [
            "INSERT INTO items (note) VALUES ('insert') RETURNING inet_server_port()",
            "UPDATE items SET note = 'seed' WHERE note = 'seed' RETURNING inet_server_port()",
            "DELETE FROM items WHERE id = (SELECT min(id) FROM items WHERE note = 'victim') RETURNING inet_server_port()",
            "SELECT inet_server_port() FROM items WHERE note = 'seed' FOR UPDATE",
            "SELECT inet_server_port() FROM items WHERE note = 'seed' FOR NO KEY UPDATE",
            "SELECT inet_server_port() FROM items WHERE note = 'seed' FOR SHARE",
            "SELECT inet_server_port() FROM items WHERE note = 'seed' FOR KEY SHARE",
            "SELECT inet_server_port(), nextval('items_seq')",
            "SELECT inet_server_port(), setval('items_seq', 100)",
            "WITH d AS (DELETE FROM items WHERE note = 'no such note' RETURNING id) SELECT inet_server_port(), (SELECT count(*) FROM d)",
            "WITH u AS (UPDATE items SET port = 0 WHERE note = 'no such note' RETURNING id) SELECT inet_server_port() FROM (SELECT 1) AS one",
            "SELECT inet_server_port(), txid_current()",
            "SELECT inet_server_port(), pg_current_xact_id()",
            "SELECT inet_server_port(), pg_try_advisory_xact_lock(4242)",
            "SELECT inet_server_port(), set_config('work_mem', '8MB', true)",
            "SELECT inet_server_port(), pg_notify('nobody_listens', 'x')",
            "/* switchyard: replica */ INSERT INTO items (note) VALUES ('hinted') RETURNING inet_server_port()",
            "SELECT inet_server_port(); INSERT INTO items (note) VALUES ('multi') RETURNING inet_server_port()",
            "INSERT INTO items (note) VALUES ('multi'); SELECT inet_server_port()",
        ])
    func writesRunOnPrimary(sql: String) throws {
        let (split, client) = try setUp()
        defer { client.close() }
        for _ in 0..<4 {
            let ports = try client.execAll(sql).filter { $0.columns.first == "inet_server_port" }.map(\.scalar)
            #expect(!ports.isEmpty && ports.allSatisfy { $0 == split.primaryPort }, "ran on \(ports.map(split.name(of:)))")
        }
    }

    /// `SELECT INTO` creates a table: on a replica it would fail (25006), and the table with the
    /// port it recorded must exist on the primary.
    @Test("SELECT ... INTO and EXPLAIN ANALYZE of a write run on the primary")
    func selectIntoAndExplainAnalyze() throws {
        let (split, client) = try setUp()
        defer { client.close() }
        let direct = try split.fixture.connectDirect()
        defer { direct.close() }
        let table = "into_\(UInt32.random(in: 0...UInt32.max))"
        _ = try client.exec("SELECT inet_server_port() AS port INTO \(table)")
        #expect(try direct.exec("SELECT port FROM \(table)").rows == [[split.primaryPort]])

        let marker = UUID().uuidString
        for explain in ["EXPLAIN ANALYZE", "EXPLAIN (ANALYZE, COSTS OFF)", "EXPLAIN (ANALYZE true, VERBOSE)"] {
            _ = try client.exec("\(explain) INSERT INTO items (note, port) VALUES ('\(marker)', inet_server_port())")
        }
        _ = try client.exec("EXPLAIN ANALYZE UPDATE items SET note = note || '+' WHERE note = '\(marker)'")
        #expect(
            try direct.exec("SELECT note, port FROM items WHERE note LIKE '\(marker)%' ORDER BY id").rows
                == Array(repeating: ["\(marker)+", split.primaryPort], count: 3))
        _ = try client.exec("DROP TABLE \(table)")
    }

    /// How a transaction begins decides where all of it runs; every statement in it reports the
    /// same server.
    @Test(
        "BEGIN READ ONLY runs on a replica, any other explicit transaction on the primary",
        arguments: [
            ("BEGIN READ ONLY", true),
            ("START TRANSACTION READ ONLY", true),
            ("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", true),
            ("BEGIN; SET TRANSACTION READ ONLY", true),
            ("BEGIN", false),
            ("START TRANSACTION", false),
            ("BEGIN READ WRITE", false),
            ("BEGIN ISOLATION LEVEL SERIALIZABLE", false),
        ])
    func transactions(begin: String, onReplica: Bool) throws {
        let (split, client) = try setUp()
        defer { client.close() }
        var seen: Set<String> = []
        for _ in 0..<4 {
            for part in begin.split(separator: ";") { _ = try client.exec(String(part)) }
            let first = try client.exec("SELECT inet_server_port()").scalar
            let second = try client.exec("SELECT inet_server_port() FROM items WHERE note = 'seed'").scalar
            _ = try client.exec("COMMIT")
            #expect(first == second, "one transaction ran on \(split.name(of: first)) and \(split.name(of: second))")
            let expected = onReplica ? split.replicaPorts.contains(first ?? "") : first == split.primaryPort
            #expect(expected, "\(begin): ran on \(split.name(of: first))")
            seen.insert(first ?? "NULL")
        }
        if onReplica { #expect(seen.count == 2, "read-only transactions ran on \(seen.map(split.name(of:)))") }
    }

    /// libpq's PQexecParams sends BEGIN READ ONLY as Parse/Bind/Execute/Sync, as drivers that use
    /// the extended protocol for everything (pgjdbc, asyncpg) do.
    @Test(
        "extended protocol: BEGIN READ ONLY runs on a replica")
    func extendedReadOnlyTransaction() throws {
        let (split, client) = try setUp()
        defer { client.close() }
        for _ in 0..<4 {
            _ = try client.execParams("BEGIN READ ONLY", params: [])
            let first = try client.execParams("SELECT inet_server_port()", params: []).scalar
            let second = try client.execParams("SELECT inet_server_port() FROM items WHERE note = $1", params: ["seed"]).scalar
            _ = try client.execParams("COMMIT", params: [])
            #expect(first == second)
            #expect(split.replicaPorts.contains(first ?? ""), "ran on \(split.name(of: first))")
        }
    }

    @Test("a multi-statement query of reads only runs on a replica")
    func multiStatementReads() throws {
        let (split, client) = try setUp()
        defer { client.close() }
        for _ in 0..<4 {
            let results = try client.execAll("SELECT 1; SELECT inet_server_port(); SELECT count(*) FROM items")
            #expect(results.count == 3)
            #expect(split.replicaPorts.contains(results[1].scalar ?? ""), "ran on \(split.name(of: results[1].scalar))")
        }
    }

    @Test(
        "comment hints choose the primary or a replica for one statement",
        arguments: [
            ("/* switchyard: primary */ SELECT inet_server_port()", true),
            ("SELECT inet_server_port() /* switchyard: primary */", true),
            ("SELECT /* switchyard:primary */ inet_server_port()", true),
            ("/* switchyard: replica */ SELECT inet_server_port()", false),
            ("SELECT inet_server_port(), '/* switchyard: primary */ is text, not a hint'", false),
        ])
    func hints(sql: String, onPrimary: Bool) throws {
        let (split, client) = try setUp()
        defer { client.close() }
        for _ in 0..<4 {
            let port = try client.exec(sql).scalar
            let expected = onPrimary ? port == split.primaryPort : split.replicaPorts.contains(port ?? "")
            #expect(expected, "ran on \(split.name(of: port))")
            // The hint is for its statement only.
            let next = try client.exec("SELECT inet_server_port()").scalar
            #expect(split.replicaPorts.contains(next ?? ""), "the next plain read ran on \(split.name(of: next))")
        }
    }

    @Test("SET switchyard.target = 'primary' sends this client's reads to the primary until RESET")
    func sessionTarget() throws {
        let (split, client) = try setUp()
        defer { client.close() }
        let other = try split.fixture.connect()
        defer { other.close() }
        #expect(try client.exec("SHOW switchyard.target").rows == [["auto"]])
        _ = try client.exec("SET switchyard.target = 'primary'")
        #expect(try client.exec("SHOW switchyard.target").rows == [["primary"]])
        #expect(try split.ports(times: 6, on: client) == [split.primaryPort: 6])
        // Across transactions too, and only for this client.
        _ = try client.exec("BEGIN READ ONLY")
        #expect(try client.exec("SELECT inet_server_port()").scalar == split.primaryPort)
        _ = try client.exec("COMMIT")
        let others = try split.ports(times: 6, on: other)
        #expect(others[split.primaryPort] == nil, "another client's reads: \(split.named(others))")

        _ = try client.exec("RESET switchyard.target")
        #expect(try client.exec("SHOW switchyard.target").rows == [["auto"]])
        let after = split.named(try split.ports(times: 6, on: client))
        #expect(after["primary"] == nil && after.count == 2, "after RESET: \(after)")

        // 'replica' applies to reads only: a write still runs on the primary.
        _ = try client.exec("SET switchyard.target = 'replica'")
        #expect(
            try client.exec("INSERT INTO items (note) VALUES ('targeted') RETURNING inet_server_port()").scalar
                == split.primaryPort)
        #expect(split.replicaPorts.contains(try client.exec("SELECT inet_server_port()").scalar ?? ""))
        _ = try client.exec("RESET switchyard.target")
    }

    @Test("extended protocol: parameterized reads run on replicas, writes on the primary")
    func extendedProtocol() throws {
        let (split, client) = try setUp()
        defer { client.close() }
        var readPorts: [String: Int] = [:]
        for value in 0..<6 {
            let row = try client.execParams("SELECT inet_server_port(), $1::int + 1", params: [String(value)]).rows
            #expect(row.first?[1] == String(value + 1))
            readPorts[row.first?[0] ?? "NULL", default: 0] += 1
        }
        try client.prepare(name: "read_port", sql: "SELECT inet_server_port(), $1::text || '!'")
        try client.prepare(
            name: "write_port", sql: "INSERT INTO items (note) VALUES ($1) RETURNING inet_server_port(), note")
        for value in 0..<6 {
            let row = try client.execPrepared(name: "read_port", params: ["r\(value)"]).rows
            #expect(row.first?[1] == "r\(value)!")
            readPorts[row.first?[0] ?? "NULL", default: 0] += 1
            let written = try client.execPrepared(name: "write_port", params: ["w\(value)"]).rows
            #expect(written == [[split.primaryPort, "w\(value)"]], "a prepared INSERT ran on \(split.name(of: written.first?[0]))")
            let unnamed = try client.execParams(
                "UPDATE items SET port = $1::int WHERE note = $2 RETURNING inet_server_port()", params: ["7", "w\(value)"])
            #expect(unnamed.scalar == split.primaryPort)
        }
        let named = split.named(readPorts)
        #expect(named["primary"] == nil, "\(named)")
        #expect((named["replica1"] ?? 0) >= 3 && (named["replica2"] ?? 0) >= 3, "\(named)")
    }
}
