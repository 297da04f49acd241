// ProxyPreparedStatementTests: protocol-level prepared statements under transaction pooling behave
// as on a direct connection, with libpq, raw protocol messages, pipelines and psycopg 3.
import Foundation
import SwitchyardTesting
import SwitchyardWire
import Testing

/// One server connection for two clients: every statement of one client runs on a server
/// connection that last ran the other's. The server connection keeps at most 3 statements, so
/// tests with more texts also make the proxy close and prepare statements again.
@Suite(
    "Proxy prepared statements in transaction mode",
    .serialized,
    .sharedProxy(
        ProxyConfiguration(poolMode: "transaction", poolSize: 1, proxySettings: ["max_prepared_statements": "3"]))
)
struct ProxyPreparedStatementTests {
    @Test("two clients' statements with the same and different names and texts, over many transactions")
    func namedStatements() throws {
        let fixture = try SharedProxy.fixture()
        let a = try fixture.connect()
        defer { a.close() }
        let b = try fixture.connect()
        defer { b.close() }
        try a.prepare(name: "s", sql: "SELECT $1::int + 1")
        try a.prepare(name: "twice", sql: "SELECT $1::int * 2")
        try b.prepare(name: "s", sql: "SELECT $1::int * 10")
        try b.prepare(name: "b_twice", sql: "SELECT $1::int * 2")
        for round in 0..<20 {
            let value = String(round)
            let inTransaction = round % 3 == 0
            if inTransaction { _ = try a.exec("BEGIN") }
            #expect(try a.execPrepared(name: "s", params: [value]).scalar == String(round + 1))
            #expect(try a.execPrepared(name: "twice", params: [value]).scalar == String(round * 2))
            if inTransaction { _ = try a.exec("COMMIT") }
            if round % 4 == 1 { _ = try b.exec("BEGIN") }
            #expect(try b.execPrepared(name: "s", params: [value]).scalar == String(round * 10))
            #expect(try b.execPrepared(name: "b_twice", params: [value]).scalar == String(round * 2))
            if round % 4 == 1 { _ = try b.exec("COMMIT") }
        }
        // A statement prepared late still works next to the old ones.
        try b.prepare(name: "late", sql: "SELECT $1::text || '!'")
        #expect(try a.execPrepared(name: "s", params: ["1"]).scalar == "2")
        #expect(try b.execPrepared(name: "late", params: ["hi"]).scalar == "hi!")
    }

    /// Close (`C` `S` name) answered by CloseComplete, then the name is free: executing it fails
    /// with 26000 and a new Parse under that name with another text succeeds.
    @Test("Close of a statement through the protocol, then a new Parse of the same name")
    func closeAndReparse() throws {
        let fixture = try SharedProxy.fixture()
        let other = try fixture.connect()
        defer { other.close() }
        var transcripts: [[String]] = []
        for connection in [try fixture.connect(), try fixture.connectDirect()] {
            defer { connection.close() }
            var transcript: [String] = []
            try connection.prepare(name: "closing", sql: "SELECT $1::int - 1")
            transcript.append(try connection.execPrepared(name: "closing", params: ["5"]).scalar ?? "-")
            let closed = exchange(connection, [FrontendBytes.close("S", name: "closing"), FrontendBytes.sync])
            transcript.append(closed.map { String($0.kind) }.joined())
            _ = try other.exec("SELECT 1")
            let missing = try #require(throws: PGError.self) {
                try connection.execPrepared(name: "closing", params: ["5"])
            }
            transcript.append("\(missing.sqlState?.code ?? "-") \(missing.message)")
            try connection.prepare(name: "closing", sql: "SELECT $1::int + 1000")
            _ = try other.exec("SELECT 2")
            transcript.append(try connection.execPrepared(name: "closing", params: ["5"]).scalar ?? "-")
            transcripts.append(transcript)
        }
        #expect(transcripts[0] == ["4", "3Z", "26000 prepared statement \"closing\" does not exist", "1005"])
        #expect(transcripts[0] == transcripts[1])
    }

    /// Error codes from PostgreSQL's errcodes appendix: 42P05 duplicate_prepared_statement,
    /// 26000 invalid_sql_statement_name, 42601 syntax_error.
    @Test("a duplicate name fails with 42P05, an unknown name with 26000, as on the server")
    func statementNameErrors() throws {
        let fixture = try SharedProxy.fixture()
        for connection in [try fixture.connect(), try fixture.connectDirect()] {
            defer { connection.close() }
            try connection.prepare(name: "dup", sql: "SELECT 1")
            let duplicate = try #require(throws: PGError.self) { try connection.prepare(name: "dup", sql: "SELECT 2") }
            #expect(duplicate.sqlState?.code == "42P05")
            #expect(duplicate.message == "prepared statement \"dup\" already exists")
            // The first statement is intact.
            #expect(try connection.execPrepared(name: "dup").scalar == "1")
            let unknown = try #require(throws: PGError.self) { try connection.execPrepared(name: "never_prepared") }
            #expect(unknown.sqlState?.code == "26000")
            #expect(unknown.message == "prepared statement \"never_prepared\" does not exist")
            #expect(try connection.exec("SELECT 'usable'").scalar == "usable")
        }
    }

    @Test("a Parse with a syntax error leaves no statement: using the name fails with 26000")
    func failedParse() throws {
        let fixture = try SharedProxy.fixture()
        var transcripts: [[String]] = []
        for connection in [try fixture.connect(), try fixture.connectDirect()] {
            defer { connection.close() }
            let syntax = try #require(throws: PGError.self) { try connection.prepare(name: "broken", sql: "SELEC 1") }
            let missing = try #require(throws: PGError.self) { try connection.execPrepared(name: "broken") }
            try connection.prepare(name: "broken", sql: "SELECT 'fixed'")
            transcripts.append([
                "\(syntax.sqlState?.code ?? "-") \(syntax.message)",
                "\(missing.sqlState?.code ?? "-") \(missing.message)",
                try connection.execPrepared(name: "broken").scalar ?? "-",
            ])
        }
        #expect(transcripts[0].map { String($0.prefix(5)) } == ["42601", "26000", "fixed"])
        #expect(transcripts[0] == transcripts[1])
    }

    @Test("unnamed statements (execParams) of two clients across transactions")
    func unnamedStatements() throws {
        let fixture = try SharedProxy.fixture()
        let a = try fixture.connect()
        defer { a.close() }
        let b = try fixture.connect()
        defer { b.close() }
        for round in 0..<10 {
            _ = try a.exec("BEGIN")
            #expect(
                try a.execParams("SELECT $1::int + $2::int", params: [String(round), "1"]).scalar == String(round + 1))
            #expect(try a.execParams("SELECT $1::text", params: ["a\(round)"]).scalar == "a\(round)")
            _ = try a.exec("COMMIT")
            #expect(try b.execParams("SELECT $1::int * 3", params: [String(round)]).scalar == String(round * 3))
            #expect(try a.execParams("SELECT $1::int IS NULL", params: [nil]).scalar == "t")
        }
    }

    /// A Parse of the unnamed statement, a Sync, then (after another client used the server) a
    /// Bind of it: on PostgreSQL the unnamed statement lives until the next Parse or Query.
    @Test("the unnamed statement survives a Sync and another client's transaction")
    func unnamedStatementAcrossSync() throws {
        let fixture = try SharedProxy.fixture()
        let other = try fixture.connect()
        defer { other.close() }
        var transcripts: [[String]] = []
        for connection in [try fixture.connect(), try fixture.connectDirect()] {
            defer { connection.close() }
            let parsed = exchange(
                connection, [FrontendBytes.parse(name: "", sql: "SELECT $1::int + 100"), FrontendBytes.sync])
            _ = try other.execParams("SELECT $1::int", params: ["7"])
            let executed = exchange(
                connection,
                [FrontendBytes.bind(statement: "", parameters: ["5"]), FrontendBytes.execute(), FrontendBytes.sync])
            transcripts.append([
                parsed.map { String($0.kind) }.joined(), executed.map { String($0.kind) }.joined(),
                executed.first { $0.kind == "D" }?.dataRowValues.first.flatMap { $0 } ?? "-",
            ])
        }
        #expect(transcripts[0] == ["1Z", "2DCZ", "105"])
        #expect(transcripts[0] == transcripts[1])
    }

    /// Describe of a statement: ParameterDescription and RowDescription, byte for byte as the
    /// server sends them directly.
    @Test("Describe of a named statement answers exactly as the server does")
    func describeStatement() throws {
        let fixture = try SharedProxy.fixture()
        var answers: [[BackendFrame]] = []
        for connection in [try fixture.connect(), try fixture.connectDirect()] {
            defer { connection.close() }
            try connection.prepare(name: "described", sql: "SELECT $1::int + 1 AS next, $2::text AS label")
            answers.append(exchange(connection, [FrontendBytes.describe("S", name: "described"), FrontendBytes.sync]))
        }
        #expect(answers[0].map(\.kind) == ["t", "T", "Z"])
        #expect(answers[0] == answers[1])
    }

    /// Execute with a row limit suspends the portal (PortalSuspended `s`); inside a transaction the
    /// portal survives each Sync, so a client can read it in chunks.
    @Test("a portal read in chunks of 2 rows inside a transaction")
    func portalInChunks() throws {
        let fixture = try SharedProxy.fixture()
        let other = try fixture.connect()
        defer { other.close() }
        var transcripts: [[String]] = []
        for connection in [try fixture.connect(), try fixture.connectDirect()] {
            defer { connection.close() }
            var transcript: [String] = []
            func record(_ frames: [BackendFrame]) {
                transcript.append(frames.map { String($0.kind) }.joined())
                transcript += frames.filter { $0.kind == "D" }.compactMap { $0.dataRowValues.first ?? nil }
            }
            _ = try connection.exec("BEGIN")
            record(
                exchange(
                    connection,
                    [
                        FrontendBytes.parse(name: "", sql: "SELECT generate_series(1, 5)"),
                        FrontendBytes.bind(portal: "chunks", statement: ""),
                        FrontendBytes.execute(portal: "chunks", maxRows: 2), FrontendBytes.sync,
                    ]))
            for _ in 0..<2 {
                record(exchange(connection, [FrontendBytes.execute(portal: "chunks", maxRows: 2), FrontendBytes.sync]))
            }
            _ = try connection.exec("COMMIT")
            // The other client had to wait for the transaction; now it runs.
            _ = try other.exec("SELECT 1")
            transcripts.append(transcript)
        }
        #expect(transcripts[0] == ["12DDsZ", "1", "2", "DDsZ", "3", "4", "DCZ", "5"])
        #expect(transcripts[0] == transcripts[1])
    }

    @Test("a pipeline with an error in the middle returns what a direct pipeline returns")
    func pipeline() throws {
        let fixture = try SharedProxy.fixture()
        let steps: [PGConnection.PipelineStep] = [
            .init("SELECT $1::int * 2", params: ["21"]),
            .init("SELECT $1::text || '!'", params: ["pipe"]),
            .init("SELECT 1 / $1::int", params: ["0"]),
            .init("SELECT 3"),
            .init("SELECT 4"),
        ]
        func describe(_ outcomes: [Result<PGResult, PGError>]) -> [String] {
            outcomes.map { outcome in
                switch outcome {
                case .success(let result): "ok \(result.rows)"
                case .failure(let error): "error \(error.kind) \(error.sqlState?.code ?? "-")"
                }
            }
        }
        let proxied = try fixture.connect()
        defer { proxied.close() }
        let direct = try fixture.connectDirect()
        defer { direct.close() }
        let expected = describe(try direct.pipeline(steps))
        #expect(expected[0] == "ok [[Optional(\"42\")]]")
        #expect(expected[2] == "error server 22012")
        for _ in 0..<3 {
            #expect(describe(try proxied.pipeline(steps)) == expected)
            #expect(try proxied.exec("SELECT 'after'").scalar == "after")
        }
    }

    // MARK: - psycopg 3

    /// Two psycopg connections prepare every statement (`prepare_threshold=0`), so both use the
    /// names `_pg3_0`, `_pg3_1`, ... for different texts; pipelines batch several statements,
    /// one with an error. The script prints one JSON object.
    private static let psycopgScript = #"""
        import json, sys
        import psycopg
        from psycopg import errors

        conninfo = sys.argv[1]
        out = {}
        with psycopg.connect(conninfo, prepare_threshold=0, autocommit=True) as a, \
             psycopg.connect(conninfo, prepare_threshold=0, autocommit=True) as b:
            out["a"] = [a.execute("SELECT %s::int * 2", (i,)).fetchone()[0] for i in range(5)]
            out["b"] = [b.execute("SELECT %s::text || 'b'", (str(i),)).fetchone()[0] for i in range(3)]
            mixed = []
            for i in range(5):
                mixed.append(a.execute("SELECT %s::int * 2", (i,)).fetchone()[0])
                mixed.append(b.execute("SELECT %s::text || 'b'", (str(i),)).fetchone()[0])
            out["mixed"] = mixed
            with a.transaction():
                out["in_transaction"] = a.execute("SELECT %s::int + 1", (41,)).fetchone()[0]
            with a.pipeline():
                first = a.execute("SELECT %s::int + 1", (1,))
                second = a.execute("SELECT %s::text", ("two",))
                third = a.execute("SELECT %s::int * 2", (21,))
            out["pipeline"] = [first.fetchone()[0], second.fetchone()[0], third.fetchone()[0]]
            try:
                with b.pipeline():
                    b.execute("SELECT %s::int", (1,))
                    b.execute("SELECT 1 / %s::int", (0,))
                    b.execute("SELECT %s::int", (3,))
            except errors.DivisionByZero as error:
                out["pipeline_error"] = error.sqlstate
            out["after_error"] = b.execute("SELECT %s::text || 'b'", ("ok",)).fetchone()[0]
        print(json.dumps(out, sort_keys=True))
        """#

    private static let psycopgPython: String? = {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .map { "\($0)/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let path, (try? Command(path, ["-c", "import psycopg"]).run(timeout: 30).succeeded) == true else {
            return nil
        }
        return path
    }()

    @Test(
        "psycopg 3 with prepare_threshold=0 and pipelines gets the same answers as directly",
        .enabled(if: psycopgPython != nil, "psycopg 3 is not installed: pip install \"psycopg[binary]\""))
    func psycopg() throws {
        let fixture = try SharedProxy.fixture()
        let python = try #require(Self.psycopgPython)
        func run(_ conninfo: String) throws -> String {
            let result = try Command(python, ["-c", Self.psycopgScript, conninfo]).run(timeout: 60)
            #expect(result.succeeded, "\(result.standardError)")
            return result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let proxied = try run(fixture.conninfo())
        let direct = try run(fixture.directConninfo())
        let expected = #"""
            {"a": [0, 2, 4, 6, 8], "after_error": "okb", "b": ["0b", "1b", "2b"], "in_transaction": 42, \#
            "mixed": [0, "0b", 2, "1b", 4, "2b", 6, "3b", 8, "4b"], "pipeline": [2, "two", 42], \#
            "pipeline_error": "22012"}
            """#
        #expect(proxied == expected)
        #expect(proxied == direct)
    }

    // MARK: - Helpers

    /// Writes `messages` on the connection's socket behind libpq's back and reads the answer up to
    /// ReadyForQuery, which leaves libpq's idle session where it was.
    private func exchange(_ connection: PGConnection, _ messages: [[UInt8]]) -> [BackendFrame] {
        let raw = RawConnection(borrowing: connection.socketDescriptor)
        raw.send(messages.flatMap { $0 })
        return raw.readFrames(until: UInt8(ascii: "Z"), timeout: 10).frames
    }
}
