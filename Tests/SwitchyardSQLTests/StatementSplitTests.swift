// StatementSplitTests: where statements of a simple-query text begin and end.

import SwitchyardSQL
import Testing

/// Semicolons end statements, except inside quotes, comments, dollar quotes, and the
/// `BEGIN ATOMIC ... END` body of a SQL-standard function (PostgreSQL 14+).
@Suite struct StatementSplitTests {
    static let cases: [(String, [String])] = [
        ("SELECT 1; SELECT 2", ["SELECT 1", "SELECT 2"]),
        (";;SELECT 1;;", ["SELECT 1"]),
        ("SELECT ';'", ["SELECT ';'"]),
        ("SELECT $x$;DELETE$x$", ["SELECT $x$;DELETE$x$"]),
        ("SELECT 1 -- ;\n; SELECT 2", ["SELECT 1", "SELECT 2"]),
        ("SELECT /* ; */ 1", ["SELECT /* ; */ 1"]),
        ("SELECT \"a;b\" FROM t", ["SELECT \"a;b\" FROM t"]),
        ("  BEGIN ;\n UPDATE t SET a = 1 ;\n COMMIT ;  ", ["BEGIN", "UPDATE t SET a = 1", "COMMIT"]),
        (
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END; SELECT 3",
            ["CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END", "SELECT 3"]
        ),
        (
            "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; END; SELECT 4",
            [
                "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; END",
                "SELECT 4",
            ]
        ),
        ("BEGIN; SELECT CASE WHEN a THEN b END; END", ["BEGIN", "SELECT CASE WHEN a THEN b END", "END"]),
        ("SELECT 1; 'unterminated; SELECT 2", ["SELECT 1", "'unterminated; SELECT 2"]),
    ]

    @Test(arguments: cases)
    func statementText(_ sql: String, _ expected: [String]) {
        let bytes = Array(sql.utf8)
        let texts = analyze(sql).statements.map { String(decoding: bytes[$0.range], as: UTF8.self) }
        #expect(texts == expected)
    }
}
