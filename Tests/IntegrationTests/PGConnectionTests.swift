// PGConnectionTests: the libpq wrapper reports what PostgreSQL sends (SQLSTATEs, tags, COPY, NOTIFY).
import Dispatch
import Foundation
import SwitchyardTesting
import SwitchyardWire
import Testing

@Suite("PGConnection against the shared primary", .serialized)
struct PGConnectionTests {
    private func connect(database: String = TestUser.database) throws -> PGConnection {
        let primary = try TestCluster.shared.primary()
        return try PGConnection(primary.connectionString(user: "app", password: "app", database: database))
    }

    /// Codes from PostgreSQL's errcodes appendix: 22012 division_by_zero, 42P01 undefined_table,
    /// 42601 syntax_error, 42703 undefined_column, 22P02 invalid_text_representation.
    @Test(
        "statement errors carry the server's SQLSTATE",
        arguments: [
            ("SELECT 1/0", "22012"),
            ("SELECT * FROM no_such_table", "42P01"),
            ("SELEC 1", "42601"),
            ("SELECT no_such_column FROM pg_class", "42703"),
            ("SELECT 'x'::int", "22P02"),
        ])
    func statementErrors(sql: String, code: String) throws {
        let connection = try connect()
        defer { connection.close() }
        let error = try #require(throws: PGError.self) { try connection.exec(sql) }
        #expect(error.kind == .server)
        #expect(error.sqlState?.code == code)
        #expect(error.severity == "ERROR")
        #expect(!error.message.isEmpty)
        // An error outside a transaction leaves the session usable.
        #expect(try connection.exec("SELECT 1").scalar == "1")
    }

    @Test("connecting to an unknown database fails with FATAL 3D000")
    func unknownDatabase() throws {
        let error = try #require(throws: PGError.self) { try connect(database: "no_such_database") }
        #expect(error.kind == .connection)
        #expect(error.sqlState == .invalidCatalogName)
        #expect(error.severity == "FATAL")
        #expect(error.message.contains("no_such_database"))
    }

    @Test("a refused TCP connection is a connection error without SQLSTATE")
    func nothingListening() throws {
        let port = try freePort()
        let error = try #require(throws: PGError.self) {
            try PGConnection("host=127.0.0.1 port=\(port) user=app dbname=app sslmode=disable")
        }
        #expect(error.kind == .connection)
        #expect(error.sqlState == nil)
    }

    @Test("cancelling pg_sleep(30) from another thread ends it with 57014 within 2 s")
    func cancelFromAnotherThread() throws {
        let connection = try connect()
        defer { connection.close() }
        let canceller = try connection.makeCanceller()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { try? canceller.cancel() }
        let started = Monotonic.now
        let error = try #require(throws: PGError.self) { try connection.exec("SELECT pg_sleep(30)") }
        #expect(error.sqlState == .queryCanceled)
        #expect(Monotonic.now - started < 2)
        #expect(try connection.exec("SELECT 2").scalar == "2")
    }

    @Test("rows copied in come back out byte for byte")
    func copyRoundTrip() throws {
        let connection = try connect()
        defer { connection.close() }
        _ = try connection.exec("CREATE TEMP TABLE copied (id int, note text)")
        // COPY text format: tab-separated, \N is NULL, backslash escapes (\t in data is "\\t").
        let lines = ["1\tplain", "2\t\\N", "3\twith\\ttab", "4\tgrüße"]
        let copied = try connection.copyIn("COPY copied FROM STDIN", lines: lines)
        #expect(copied.commandTag == "COPY 4")
        #expect(copied.affectedRows == 4)
        #expect(
            try connection.exec("SELECT note FROM copied ORDER BY id").rows == [
                ["plain"], [nil], ["with\ttab"], ["grüße"],
            ])
        let out = try connection.copyOut("COPY copied TO STDOUT")
        #expect(String(decoding: out, as: UTF8.self) == lines.map { $0 + "\n" }.joined())
    }

    @Test("bad COPY data is rejected with the server's SQLSTATE (22P02)")
    func copyInRejected() throws {
        let connection = try connect()
        defer { connection.close() }
        _ = try connection.exec("CREATE TEMP TABLE numbers (n int)")
        let error = try #require(throws: PGError.self) {
            try connection.copyIn("COPY numbers FROM STDIN", lines: ["1", "not a number"])
        }
        #expect(error.sqlState?.code == "22P02")
        #expect(try connection.exec("SELECT count(*) FROM numbers").scalar == "0")
    }

    @Test("a NOTIFY reaches a listening session with channel, payload and sender pid")
    func listenNotify() throws {
        let listener = try connect()
        defer { listener.close() }
        let sender = try connect()
        defer { sender.close() }
        _ = try listener.exec("LISTEN switchyard_events")
        #expect(try listener.waitForNotifications(timeout: 0).isEmpty)
        _ = try sender.exec("NOTIFY switchyard_events, 'hello'")
        let received = try listener.waitForNotifications(timeout: 5)
        #expect(received == [PGNotification(channel: "switchyard_events", payload: "hello", pid: sender.backendPID)])
    }

    @Test("parameters, prepared statements and command tags")
    func extendedProtocol() throws {
        let connection = try connect()
        defer { connection.close() }
        let echoed = try connection.execParams("SELECT $1::text AS a, $2::int + 1 AS b", params: [nil, "41"])
        #expect(echoed.columns == ["a", "b"])
        #expect(echoed.rows == [[nil, "42"]])
        #expect(echoed.commandTag == "SELECT 1")

        _ = try connection.exec("CREATE TEMP TABLE tagged (n int)")
        try connection.prepare(name: "add", sql: "INSERT INTO tagged SELECT generate_series(1, $1::int)")
        let inserted = try connection.execPrepared(name: "add", params: ["3"])
        #expect(inserted.commandTag == "INSERT 0 3")
        #expect(inserted.affectedRows == 3)
        let error = try #require(throws: PGError.self) { try connection.execPrepared(name: "missing") }
        #expect(error.sqlState == .undefinedPreparedStatement)
    }

    @Test("several statements in one simple query return one result each")
    func multiStatement() throws {
        let connection = try connect()
        defer { connection.close() }
        let results = try connection.execAll("SELECT 1; SELECT 'a', 'b'; SET application_name = 'multi'")
        #expect(results.map(\.commandTag) == ["SELECT 1", "SELECT 1", "SET"])
        #expect(results[1].rows == [["a", "b"]])
        #expect(connection.serverParameter("application_name") == "multi")
    }

    @Test("session facts: backend pid, server parameters, transaction status, notices")
    func sessionFacts() throws {
        let connection = try connect()
        defer { connection.close() }
        #expect(try connection.exec("SELECT pg_backend_pid()").scalar == String(connection.backendPID))
        #expect(connection.serverParameter("server_version")?.hasPrefix("15") == true)
        #expect(connection.serverParameter("server_encoding") == "UTF8")
        #expect(connection.transactionStatus == .idle)
        _ = try connection.exec("BEGIN")
        #expect(connection.transactionStatus == .inTransaction)
        _ = try? connection.exec("SELECT 1/0")
        #expect(connection.transactionStatus == .inFailedTransaction)
        let aborted = try #require(throws: PGError.self) { try connection.exec("SELECT 1") }
        #expect(aborted.sqlState == .inFailedSQLTransaction)
        _ = try connection.exec("ROLLBACK")
        #expect(connection.transactionStatus == .idle)

        _ = try connection.exec("DO $$ BEGIN RAISE NOTICE 'note %', 1; END $$")
        let notices = connection.takeNotices()
        #expect(notices.map(\.message) == ["note 1"])
        #expect(notices.first?.severity == "NOTICE")
        #expect(notices.first?.sqlState == .successfulCompletion)
    }

    @Test("a pipeline returns each statement's result; a failure skips the rest until Sync")
    func pipeline() throws {
        let connection = try connect()
        defer { connection.close() }
        let outcomes = try connection.pipeline([
            .init("SELECT $1::int * 2", params: ["21"]),
            .init("SELECT 1/0"),
            .init("SELECT 3"),
        ])
        #expect(outcomes.count == 3)
        #expect(try outcomes[0].get().scalar == "42")
        #expect(throws: PGError.self) { try outcomes[1].get() }
        if case .failure(let error) = outcomes[1] { #expect(error.sqlState?.code == "22012") }
        if case .failure(let error) = outcomes[2] {
            #expect(error.kind == .client)
        } else {
            Issue.record("the statement after a failure in a pipeline should be skipped")
        }
        // After the pipeline the connection is back to normal.
        #expect(try connection.exec("SELECT 'after'").scalar == "after")
    }
}
