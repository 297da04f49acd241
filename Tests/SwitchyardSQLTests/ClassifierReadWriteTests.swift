// ClassifierReadWriteTests: which statements are provably read-only, and why the others write.

import SwitchyardSQL
import Testing

/// Expected kinds follow SPEC §3 "Read or write" and PostgreSQL's semantics: a statement reads
/// only when it cannot change data or session state on the server it runs on.
@Suite struct ClassifierReadWriteTests {
    static let reads: [(String, ReadForm)] = [
        ("SELECT 1", .select),
        ("select * from t", .select),
        ("SELECT * FROM t WHERE a = 'FOR UPDATE'", .select),
        ("SELECT * FROM t -- FOR UPDATE\n", .select),
        ("SELECT * FROM t /* DELETE FROM t */", .select),
        ("SELECT \"update\", \"delete\" FROM t", .select),
        ("SELECT $x$;DELETE$x$", .select),
        ("SELECT E'\\'; DELETE FROM t; --'", .select),
        ("SELECT U&'\\0041'", .select),
        ("VALUES (1), (2)", .values),
        ("TABLE t", .table),
        ("TABLE ONLY t", .table),
        ("(SELECT 1) UNION (SELECT 2)", .select),
        ("((SELECT 1))", .select),
        ("SELECT 1 UNION ALL SELECT 2 EXCEPT SELECT 3", .select),
        ("WITH x AS (SELECT 1) SELECT * FROM x", .select),
        ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT * FROM r", .select),
        ("WITH x AS NOT MATERIALIZED (SELECT 1) VALUES (2)", .values),
        ("WITH RECURSIVE t(n) AS (SELECT 1) SEARCH DEPTH FIRST BY n SET ord SELECT * FROM t", .select),
        ("WITH RECURSIVE t(n) AS (SELECT 1) CYCLE n SET is_cycle USING path SELECT * FROM t", .select),
        ("SHOW search_path", .show),
        ("SHOW ALL", .show),
        ("show transaction isolation level", .show),
        ("EXPLAIN SELECT 1", .explain),
        ("EXPLAIN DELETE FROM t", .explain),
        ("EXPLAIN VERBOSE UPDATE t SET a = 1", .explain),
        ("EXPLAIN ANALYZE SELECT * FROM t", .explain),
        ("EXPLAIN (ANALYZE false) UPDATE t SET a = 1", .explain),
        ("EXPLAIN (ANALYZE off, COSTS) DELETE FROM t", .explain),
        ("EXPLAIN (ANALYZE 0) DELETE FROM t", .explain),
        ("EXPLAIN (FORMAT JSON) INSERT INTO t VALUES (1)", .explain),
        ("EXPLAIN EXPLAIN SELECT 1", .explain),
        ("EXPLAIN SELECT nextval('s')", .explain),
        ("EXPLAIN CREATE TABLE x AS SELECT 1", .explain),
        ("SELECT substring('abc' FROM 1 FOR 2)", .select),
        ("SELECT overlay('abc' PLACING 'x' FROM 2 FOR 1)", .select),
        (
            "SELECT count(*) FILTER (WHERE x > 1) OVER (PARTITION BY y ORDER BY z ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t",
            .select
        ),
        ("SELECT currval_name, lo_size, nextval FROM t", .select),
        ("SELECT * FROM t WHERE x IS DISTINCT FROM y AND z IS NOT DISTINCT FROM w", .select),
        ("SELECT * FROM t FOR READ ONLY", .select),
        ("SELECT txid_current_if_assigned(), pg_current_xact_id_if_assigned()", .select),
        ("SELECT \"NEXTVAL\"('s')", .select),
        ("SELECT now(), random(), version()", .select),
        ("SELECT * FROM generate_series(1, 10)", .select),
        ("SELECT 'a' || 'b' AS \"INTO\"", .select),
        ("COPY t TO STDOUT", .copyTo),
        ("COPY t (a, b) TO STDOUT WITH (FORMAT csv)", .copyTo),
        ("COPY (SELECT * FROM t WHERE a > 1) TO STDOUT", .copyTo),
        ("  select 1 ;  ", .select),
    ]

    @Test(arguments: reads)
    func readOnlyStatementsAreReads(_ sql: String, _ form: ReadForm) {
        #expect(statement(sql).kind == .read(form))
    }

    static let writes: [(String, WriteCause)] = [
        ("INSERT INTO t VALUES (1)", .modification("INSERT")),
        ("insert into t select * from u", .modification("INSERT")),
        ("UPDATE t SET a = 1", .modification("UPDATE")),
        ("DELETE FROM t", .modification("DELETE")),
        ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE", .modification("MERGE")),
        ("WITH x AS (SELECT 1) DELETE FROM t", .modification("DELETE")),
        ("WITH i AS (INSERT INTO t VALUES (1) RETURNING id) INSERT INTO log SELECT id FROM i", .modification("INSERT")),
        ("SELECT * FROM t FOR UPDATE", .lockingClause),
        ("SELECT * FROM t FOR NO KEY UPDATE SKIP LOCKED", .lockingClause),
        ("SELECT * FROM t FOR SHARE OF t NOWAIT", .lockingClause),
        ("SELECT * FROM t FOR KEY SHARE", .lockingClause),
        ("select * from t for update", .lockingClause),
        ("SELECT * FROM (SELECT * FROM t FOR UPDATE) s", .lockingClause),
        ("SELECT * FROM t WHERE id IN (SELECT id FROM u FOR SHARE)", .lockingClause),
        ("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", .dataModifyingCTE),
        ("WITH u AS MATERIALIZED (UPDATE t SET a = 1 RETURNING *) SELECT 1", .dataModifyingCTE),
        ("WITH a AS (SELECT 1), b AS (INSERT INTO t VALUES (1) RETURNING *) SELECT * FROM a, b", .dataModifyingCTE),
        ("WITH m AS (MERGE INTO t USING s ON true WHEN MATCHED THEN DELETE) SELECT 1", .dataModifyingCTE),
        ("SELECT * INTO t2 FROM t", .selectInto),
        ("SELECT a, b INTO TEMP t2 FROM t", .selectInto),
        ("SELECT nextval('s')", .writeFunction("nextval")),
        ("SELECT setval('s', 10)", .writeFunction("setval")),
        ("SELECT lastval()", .writeFunction("lastval")),
        ("SELECT currval('s')", .writeFunction("currval")),
        ("SELECT pg_advisory_lock(1)", .writeFunction("pg_advisory_lock")),
        ("SELECT pg_advisory_xact_lock(1)", .writeFunction("pg_advisory_xact_lock")),
        ("SELECT pg_try_advisory_lock(1)", .writeFunction("pg_try_advisory_lock")),
        ("SELECT pg_try_advisory_xact_lock_shared(1)", .writeFunction("pg_try_advisory_xact_lock_shared")),
        ("SELECT pg_advisory_unlock_all()", .writeFunction("pg_advisory_unlock_all")),
        ("SELECT pg_notify('c', 'p')", .writeFunction("pg_notify")),
        ("SELECT set_config('search_path', 'x', false)", .writeFunction("set_config")),
        ("SELECT txid_current()", .writeFunction("txid_current")),
        ("SELECT pg_current_xact_id()", .writeFunction("pg_current_xact_id")),
        ("SELECT lo_import('/tmp/x')", .writeFunction("lo_import")),
        ("SELECT lo_unlink(42)", .writeFunction("lo_unlink")),
        ("SELECT pg_promote()", .writeFunction("pg_promote")),
        ("SELECT dblink_exec('db', 'DELETE FROM t')", .writeFunction("dblink_exec")),
        ("SELECT pg_catalog.nextval('s')", .writeFunction("nextval")),
        ("SELECT \"nextval\"('s')", .writeFunction("nextval")),
        ("SELECT NEXTVAL ('s')", .writeFunction("nextval")),
        ("SELECT nextval/* comment */('s')", .writeFunction("nextval")),
        ("SELECT * FROM nextval('s')", .writeFunction("nextval")),
        ("SELECT x FROM t WHERE id = (SELECT nextval('s'))", .writeFunction("nextval")),
        ("SELECT coalesce(a, nextval('s')) FROM t", .writeFunction("nextval")),
        ("VALUES (nextval('s'))", .writeFunction("nextval")),
        ("WITH x AS (SELECT nextval('s')) SELECT * FROM x", .writeFunction("nextval")),
        ("EXPLAIN ANALYZE DELETE FROM t", .explainAnalyze(.modification("DELETE"))),
        ("EXPLAIN ANALYSE INSERT INTO t VALUES (1)", .explainAnalyze(.modification("INSERT"))),
        ("EXPLAIN (ANALYZE) UPDATE t SET a = 1", .explainAnalyze(.modification("UPDATE"))),
        ("EXPLAIN (ANALYZE true, BUFFERS) UPDATE t SET a = 1", .explainAnalyze(.modification("UPDATE"))),
        ("EXPLAIN (BUFFERS, ANALYZE on) DELETE FROM t", .explainAnalyze(.modification("DELETE"))),
        ("EXPLAIN ANALYZE VERBOSE DELETE FROM t", .explainAnalyze(.modification("DELETE"))),
        ("EXPLAIN ANALYZE SELECT nextval('s')", .explainAnalyze(.writeFunction("nextval"))),
        ("EXPLAIN ANALYZE SELECT * FROM t FOR UPDATE", .explainAnalyze(.lockingClause)),
        ("EXPLAIN ANALYZE CREATE TABLE x AS SELECT 1", .explainAnalyze(.schemaChange("CREATE TABLE"))),
        ("EXPLAIN ANALYZE EXECUTE q", .explainAnalyze(.unrecognized)),
        ("EXPLAIN ANALYZE EXPLAIN ANALYZE EXPLAIN ANALYZE EXPLAIN ANALYZE DELETE FROM t",
         .explainAnalyze(.explainAnalyze(.explainAnalyze(.explainAnalyze(.unrecognized))))),
        ("CREATE TABLE t (id int)", .schemaChange("CREATE TABLE")),
        ("CREATE TABLE t AS SELECT 1", .schemaChange("CREATE TABLE")),
        ("ALTER TABLE t ADD COLUMN x int", .schemaChange("ALTER TABLE")),
        ("DROP TABLE t", .schemaChange("DROP TABLE")),
        ("CREATE INDEX ON t (x)", .schemaChange("CREATE INDEX")),
        ("DROP INDEX i", .schemaChange("DROP INDEX")),
        ("CREATE VIEW v AS SELECT 1", .schemaChange("CREATE VIEW")),
        ("CREATE MATERIALIZED VIEW v AS SELECT 1", .schemaChange("CREATE MATERIALIZED VIEW")),
        ("CREATE SEQUENCE s", .schemaChange("CREATE SEQUENCE")),
        ("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'", .schemaChange("CREATE FUNCTION")),
        (
            "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END",
            .schemaChange("CREATE FUNCTION")
        ),
        ("CREATE EXTENSION IF NOT EXISTS pgcrypto", .schemaChange("CREATE EXTENSION")),
        ("CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()", .schemaChange("CREATE TRIGGER")),
        ("DROP SCHEMA s CASCADE", .schemaChange("DROP SCHEMA")),
        ("ALTER SYSTEM SET work_mem = '1MB'", .schemaChange("ALTER SYSTEM")),
        ("TRUNCATE t", .schemaChange("TRUNCATE")),
        ("LOCK TABLE t IN ACCESS EXCLUSIVE MODE", .schemaChange("LOCK")),
        ("VACUUM t", .schemaChange("VACUUM")),
        ("ANALYZE t", .schemaChange("ANALYZE")),
        ("ANALYSE", .schemaChange("ANALYZE")),
        ("CLUSTER t USING i", .schemaChange("CLUSTER")),
        ("REINDEX TABLE t", .schemaChange("REINDEX")),
        ("REFRESH MATERIALIZED VIEW v", .schemaChange("REFRESH MATERIALIZED VIEW")),
        ("COMMENT ON TABLE t IS 'x'", .schemaChange("COMMENT")),
        ("GRANT SELECT ON t TO u", .schemaChange("GRANT")),
        ("REVOKE ALL ON t FROM u", .schemaChange("REVOKE")),
        ("CHECKPOINT", .schemaChange("CHECKPOINT")),
        ("CALL p(1)", .modification("CALL")),
        ("DO $$BEGIN PERFORM 1; END$$", .modification("DO")),
        ("NOTIFY channel, 'x'", .modification("NOTIFY")),
        ("LOAD 'auto_explain'", .modification("LOAD")),
        ("COPY t FROM STDIN", .modification("COPY")),
        ("COPY t TO '/tmp/t.csv'", .modification("COPY")),
        ("COPY t TO PROGRAM 'gzip > x'", .modification("COPY")),
        ("COPY (SELECT nextval('s')) TO STDOUT", .modification("COPY")),
        ("COPY (DELETE FROM t RETURNING *) TO STDOUT", .modification("COPY")),
        ("SELEC 1", .unrecognized),
        ("FOO BAR", .unrecognized),
        ("1", .unrecognized),
        ("( 1 )", .unrecognized),
        ("WITH x AS (SELECT 1)", .unrecognized),
        ("START", .unrecognized),
        ("IMPORT FOREIGN SCHEMA s FROM SERVER f INTO t", .unrecognized),
        ("SECURITY LABEL ON TABLE t IS 'x'", .unrecognized),
        ("DISCARD EVERYTHING", .unrecognized),
        ("\"select\" 1", .unrecognized),
    ]

    @Test(arguments: writes)
    func everythingElseIsAWrite(_ sql: String, _ cause: WriteCause) {
        let analysis = statement(sql)
        #expect(analysis.kind == .write(cause))
        #expect(analysis.reason == cause.reason)
    }

    @Test func deepNestingIsNotUnderstoodAndSoWrites() {
        let sql = String(repeating: "(", count: 5000) + "SELECT 1" + String(repeating: ")", count: 5000)
        #expect(statement(sql).kind == .write(.unrecognized))
        let shallow = String(repeating: "(", count: 50) + "SELECT 1" + String(repeating: ")", count: 50)
        #expect(statement(shallow).kind == .read(.select))
    }

    @Test func multiStatementTextIsAWriteIfAnyPartIs() {
        let text = analyze("SELECT 1; DELETE FROM t; SELECT 2")
        #expect(text.statements.map(\.kind) == [.read(.select), .write(.modification("DELETE")), .read(.select)])
        #expect(text.isWrite)
        #expect(!analyze("SELECT 1; SELECT 2").isWrite)
    }

    @Test func standardConformingStringsOffMovesStatementBoundaries() {
        // With standard_conforming_strings on, `'a\'` is a whole string and DELETE is a
        // statement; off, the backslash escapes the quote and everything is one SELECT.
        let sql = "SELECT 'a\\'; DELETE FROM t; --'"
        #expect(analyze(sql).isWrite)
        #expect(analyze(sql, standardConformingStrings: false).statements.map(\.kind) == [.read(.select)])
    }

    @Test func reasonsNameTheCause() {
        #expect(statement("SELECT * FROM t").reason == "plain SELECT")
        #expect(statement("SELECT * FROM t FOR UPDATE").reason == "locking clause")
        #expect(statement("SELECT nextval('s')").reason == "write function nextval")
        #expect(statement("WITH d AS (DELETE FROM t RETURNING 1) SELECT 1").reason == "data-modifying CTE")
        #expect(statement("EXPLAIN ANALYZE DELETE FROM t").reason == "EXPLAIN ANALYZE DELETE")
        #expect(statement("FOO").reason == "unrecognized statement")
    }
}
