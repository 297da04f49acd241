// ProxyErrorTests: statement errors, failed transactions, multi-statement queries, notices and psql's
// catalog queries through the proxy, each compared with the same session run directly.
import Foundation
import SwitchyardTesting
import SwitchyardWire
import Testing

@Suite("Proxy errors and statement results", .serialized, .sharedProxy(ProxyConfiguration(poolSize: 2)))
struct ProxyErrorTests {
    /// One line per step: the result rows or the error's SQLSTATE and message, and the transaction
    /// status after the step, so a proxied session can be compared with a direct one.
    private func transcript(_ connection: PGConnection, _ steps: [String]) -> [String] {
        steps.map { sql in
            let outcome: String
            do {
                let results = try connection.execAll(sql)
                outcome = results.map { "\($0.commandTag) \($0.rows)" }.joined(separator: " | ")
            } catch let error as PGError {
                outcome = "\(error.severity ?? "-") \(error.sqlState?.code ?? "-") \(error.message)"
            } catch {
                outcome = "\(error)"
            }
            return "\(outcome) [\(connection.transactionStatus)]"
        }
    }

    private func compare(_ steps: [String], setup: String? = nil, teardown: String? = nil) throws -> [String] {
        let fixture = try SharedProxy.fixture()
        var transcripts: [[String]] = []
        for connect in [{ try fixture.connect() }, { try fixture.connectDirect() }] {
            let connection = try connect()
            defer { connection.close() }
            if let setup { _ = try connection.execAll(setup) }
            transcripts.append(transcript(connection, steps))
            if let teardown { _ = try connection.execAll(teardown) }
        }
        #expect(transcripts[0] == transcripts[1])
        return transcripts[0]
    }

    @Test("an error inside a transaction, then 25P02 until ROLLBACK, then normal queries")
    func failedTransaction() throws {
        let steps = [
            "BEGIN",
            "INSERT INTO errors_tx VALUES (1)",
            "SELECT 1/0",
            "SELECT count(*) FROM errors_tx",
            "COMMIT",
            "SELECT count(*) FROM errors_tx",
            "BEGIN",
            "INSERT INTO errors_tx VALUES (2)",
            "SELECT no_such_column FROM errors_tx",
            "ROLLBACK",
            "SELECT count(*) FROM errors_tx",
            "SELECT 'normal again'",
        ]
        let result = try compare(
            steps, setup: "CREATE TABLE errors_tx (n int)", teardown: "DROP TABLE errors_tx")
        #expect(result[2].hasPrefix("ERROR 22012 division by zero [inFailedTransaction]"))
        #expect(result[3].hasPrefix("ERROR 25P02 current transaction is aborted"))
        // COMMIT of a failed transaction rolls back and says so.
        #expect(result[4] == "ROLLBACK [] [idle]")
        #expect(result[5] == "SELECT 1 [[Optional(\"0\")]] [idle]")
        #expect(result[11] == "SELECT 1 [[Optional(\"normal again\")]] [idle]")
    }

    @Test("multi-statement queries: every result, an error stopping the rest, implicit transactions")
    func multiStatement() throws {
        let steps = [
            "SELECT 1 AS one; SELECT 'a' AS x, 'b' AS y; SELECT generate_series(1, 3)",
            "INSERT INTO errors_multi VALUES (1); SELECT 1/0; INSERT INTO errors_multi VALUES (2)",
            "SELECT count(*) FROM errors_multi",
            "BEGIN; INSERT INTO errors_multi VALUES (3); COMMIT; SELECT count(*) FROM errors_multi",
            "BEGIN; INSERT INTO errors_multi VALUES (4)",
            "SELECT count(*) FROM errors_multi; ROLLBACK",
            "SELECT count(*) FROM errors_multi",
            ";;",
            "",
        ]
        let result = try compare(
            steps, setup: "CREATE TABLE errors_multi (n int)", teardown: "DROP TABLE errors_multi")
        #expect(result[1] == "ERROR 22012 division by zero [idle]")
        #expect(result[2] == "SELECT 1 [[Optional(\"0\")]] [idle]")
        #expect(result[4] == "BEGIN [] | INSERT 0 1 [] [inTransaction]")
        #expect(result[6] == "SELECT 1 [[Optional(\"1\")]] [idle]")
    }

    @Test("notices and warnings reach the client as on the server")
    func notices() throws {
        let fixture = try SharedProxy.fixture()
        var seen: [[String]] = []
        for connection in [try fixture.connect(), try fixture.connectDirect()] {
            defer { connection.close() }
            _ = try connection.exec("DO $$ BEGIN RAISE NOTICE 'first %', 1; RAISE WARNING 'second'; END $$")
            _ = try connection.exec("BEGIN")
            _ = try connection.exec("DO $$ BEGIN RAISE NOTICE 'in transaction'; END $$")
            _ = try connection.exec("COMMIT")
            _ = try connection.exec("COMMIT")  // "there is no transaction in progress"
            seen.append(
                connection.takeNotices().map { "\($0.severity ?? "-") \($0.sqlState?.code ?? "-") \($0.message)" })
        }
        #expect(
            seen[0] == [
                "NOTICE 00000 first 1", "WARNING 01000 second", "NOTICE 00000 in transaction",
                "WARNING 25P01 there is no transaction in progress",
            ])
        #expect(seen[0] == seen[1])
    }

    @Test("psql \\d output through the proxy is identical to psql against the server")
    func psqlDescribe() throws {
        let fixture = try SharedProxy.fixture()
        let direct = try fixture.connectDirect()
        defer { direct.close() }
        _ = try direct.execAll(
            """
            CREATE TABLE described_parent (id bigint PRIMARY KEY, name text NOT NULL UNIQUE);
            CREATE TABLE described (
                id serial PRIMARY KEY,
                parent_id bigint REFERENCES described_parent (id),
                amount numeric(10, 2) DEFAULT 0 CHECK (amount >= 0),
                created timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX described_created ON described (created DESC);
            COMMENT ON TABLE described IS 'described through the proxy';
            """)
        defer { _ = try? direct.execAll("DROP TABLE described; DROP TABLE described_parent") }
        for command in ["\\d", "\\d described", "\\d+ described_parent", "\\dt+", "\\di", "\\l app", "\\dn"] {
            let proxied = try ClientTools.psql(fixture.clientArguments() + ["-c", command], password: "app")
            let straight = try ClientTools.psql(fixture.directClientArguments() + ["-c", command], password: "app")
            #expect(proxied.succeeded, "\(command): \(proxied.standardError)")
            #expect(proxied.standardOutput == straight.standardOutput, "\(command)")
            #expect(proxied.standardError == straight.standardError, "\(command)")
        }
    }

    @Test("a psql script with errors, ON_ERROR_STOP off, prints what it prints against the server")
    func psqlScript() throws {
        let fixture = try SharedProxy.fixture()
        let script = """
            CREATE TABLE script_rows (n int PRIMARY KEY);
            INSERT INTO script_rows SELECT generate_series(1, 5);
            INSERT INTO script_rows VALUES (1);
            BEGIN;
            UPDATE script_rows SET n = n * 10 WHERE n > 3 RETURNING n;
            SELECT * FROM script_rows WHERE n = 'x';
            ROLLBACK;
            SELECT string_agg(n::text, ',' ORDER BY n) FROM script_rows;
            \\echo done
            DROP TABLE script_rows;
            """
        var outputs: [String] = []
        for arguments in [fixture.clientArguments(), fixture.directClientArguments()] {
            let run = try ClientTools.psql(arguments + ["-f", "-"], password: "app", input: script)
            // Error lines name the input line; both runs read the same script.
            outputs.append(run.standardOutput + "\n---\n" + run.standardError)
        }
        #expect(outputs[0].contains("1,2,3,4,5"))
        #expect(outputs[0].contains("duplicate key value violates unique constraint"))
        #expect(outputs[0] == outputs[1])
    }
}
