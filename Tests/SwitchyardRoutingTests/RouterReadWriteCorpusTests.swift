// RouterReadWriteCorpusTests: whole decisions for reads and writes on the default cluster.

import SwitchyardRouting
import SwitchyardSQL
import Testing

/// Reads go to a replica of `main`, writes to its primary (SPEC §3 "Read or write"); each
/// case asserts the whole decision: kind, target, cluster, shards, tables, reason.
@Suite struct RouterReadWriteCorpusTests {
    static let reads: [RouteCase] = [
        .read("SELECT 1"),
        .read("select now()"),
        .read("SELECT * FROM blog_entry", tables: ["blog_entry"]),
        .read("SELECT * FROM Blog_Entry", tables: ["blog_entry"]),
        .read("SELECT * FROM \"Blog_Entry\"", tables: ["Blog_Entry"]),
        .read("SELECT * FROM public.blog_entry", tables: ["public.blog_entry"]),
        .read("SELECT id, title FROM blog_entry WHERE id = $1", tables: ["blog_entry"]),
        .read(
            "SELECT * FROM blog_entry e JOIN blog_author a ON a.id = e.author_id",
            tables: ["blog_entry", "blog_author"]),
        .read(
            "SELECT * FROM blog_entry WHERE author_id IN (SELECT id FROM blog_author WHERE name LIKE 'a%')",
            tables: ["blog_entry", "blog_author"]),
        .read(
            "SELECT count(*) FROM blog_entry GROUP BY author_id HAVING count(*) > 1 ORDER BY 1 LIMIT 5",
            tables: ["blog_entry"]),
        .read("SELECT * FROM blog_entry WHERE title = 'DELETE FROM blog_entry'", tables: ["blog_entry"]),
        .read("SELECT * FROM blog_entry -- FOR UPDATE", tables: ["blog_entry"]),
        .read("SELECT * FROM blog_entry /* ; DROP TABLE x */", tables: ["blog_entry"]),
        .read("SELECT $x$;DELETE$x$"),
        .read("SELECT E'\\'; DELETE FROM t; --'"),
        .read("SELECT 'it''s'; ", tables: []),
        .read(
            "WITH recent AS (SELECT * FROM blog_entry ORDER BY id DESC LIMIT 10) SELECT * FROM recent",
            tables: ["blog_entry"]),
        .read(
            "WITH RECURSIVE tree AS (SELECT id FROM node WHERE parent IS NULL UNION ALL SELECT n.id FROM node n JOIN tree t ON n.parent = t.id) SELECT * FROM tree",
            tables: ["node"]),
        .read("SELECT * FROM blog_entry UNION SELECT * FROM blog_draft", tables: ["blog_entry", "blog_draft"]),
        .read("(SELECT 1) UNION ALL (SELECT 2)"),
        .read("VALUES (1, 'a'), (2, 'b')", reason: "VALUES"),
        .read("TABLE blog_entry", tables: ["blog_entry"], reason: "TABLE"),
        .read("SHOW search_path", reason: "SHOW"),
        .read("SHOW TIME ZONE", reason: "SHOW"),
        .read("EXPLAIN SELECT * FROM blog_entry", tables: ["blog_entry"], reason: "EXPLAIN"),
        .read("EXPLAIN DELETE FROM blog_entry", tables: ["blog_entry"], reason: "EXPLAIN"),
        .read(
            "EXPLAIN (ANALYZE false, FORMAT JSON) UPDATE blog_entry SET a = 1", tables: ["blog_entry"],
            reason: "EXPLAIN"),
        .read("EXPLAIN ANALYZE SELECT * FROM blog_entry", tables: ["blog_entry"], reason: "EXPLAIN"),
        .read("EXPLAIN SELECT nextval('s')", reason: "EXPLAIN"),
        .read("EXPLAIN SELECT audit_x()", reason: "EXPLAIN"),
        .read("COPY blog_entry TO STDOUT", tables: ["blog_entry"], reason: "COPY TO STDOUT"),
        .read(
            "COPY (SELECT * FROM blog_entry) TO STDOUT WITH (FORMAT csv)", tables: ["blog_entry"],
            reason: "COPY TO STDOUT"),
        .read("SELECT * FROM generate_series(1, 10) g"),
        .read("SELECT * FROM blog_entry, LATERAL unnest(tags) t", tables: ["blog_entry"]),
        .read("SELECT * FROM blog_entry WHERE title IS DISTINCT FROM 'x'", tables: ["blog_entry"]),
        .read("SELECT substring(title FROM 1 FOR 3) FROM blog_entry", tables: ["blog_entry"]),
        .read("SELECT * FROM blog_entry FOR READ ONLY", tables: ["blog_entry"]),
        .read("SELECT nextval FROM counters", tables: ["counters"]),
        .read("SELECT \"NEXTVAL\"('s')"),
        .read("SELECT txid_current_if_assigned()"),
        .read("SELECT audit FROM audit_log_view", tables: ["audit_log_view"]),
        .read("SELECT charge(1)"),
        .read("SELECT other.charge(1)"),
        .read("SELECT pg_sleep(0)"),
        .read("SELECT * FROM pg_catalog.pg_class", tables: ["pg_catalog.pg_class"]),
        .read("SELECT current_setting('search_path')"),
        .read("  \n select 1 ;;  "),
        .read("SELECT * FROM (VALUES (1)) v(x)"),
        .read("SELECT * FROM blog_entry TABLESAMPLE BERNOULLI (10)", tables: ["blog_entry"]),
        .read("SELECT ARRAY(SELECT id FROM blog_entry)", tables: ["blog_entry"]),
        .read("SELECT EXISTS (SELECT 1 FROM blog_entry WHERE id = 1)", tables: ["blog_entry"]),
        .read("SELECT CASE WHEN x THEN 1 ELSE 2 END FROM blog_entry", tables: ["blog_entry"]),
        .read("SELECT * FROM blog_entry ORDER BY id OFFSET 10 ROWS FETCH FIRST 5 ROWS ONLY", tables: ["blog_entry"]),
        .read("SELECT 1; SELECT 2"),
        .read("SELECT * FROM a; SELECT * FROM b", tables: ["a", "b"]),
    ]

    static let writes: [RouteCase] = [
        .write("INSERT INTO blog_entry (title) VALUES ('x')", tables: ["blog_entry"], reason: "INSERT"),
        .write(
            "INSERT INTO blog_entry SELECT * FROM blog_draft", tables: ["blog_entry", "blog_draft"], reason: "INSERT"),
        .write(
            "INSERT INTO blog_entry (id) VALUES (1) ON CONFLICT (id) DO NOTHING", tables: ["blog_entry"],
            reason: "INSERT"),
        .write("INSERT INTO blog_entry (title) VALUES ('x') RETURNING id", tables: ["blog_entry"], reason: "INSERT"),
        .write("UPDATE blog_entry SET title = 'y' WHERE id = 1", tables: ["blog_entry"], reason: "UPDATE"),
        .write(
            "UPDATE blog_entry e SET title = d.title FROM blog_draft d WHERE d.id = e.id",
            tables: ["blog_entry", "blog_draft"], reason: "UPDATE"),
        .write("DELETE FROM blog_entry WHERE id = 1", tables: ["blog_entry"], reason: "DELETE"),
        .write(
            "DELETE FROM blog_entry USING blog_author WHERE blog_author.id = blog_entry.author_id",
            tables: ["blog_entry", "blog_author"], reason: "DELETE"),
        .write(
            "MERGE INTO blog_entry e USING blog_draft d ON e.id = d.id WHEN MATCHED THEN UPDATE SET title = d.title",
            tables: ["blog_entry", "blog_draft"], reason: "MERGE"),
        .write(
            "WITH d AS (DELETE FROM blog_draft RETURNING *) INSERT INTO blog_entry SELECT * FROM d",
            tables: ["blog_draft", "blog_entry"], reason: "INSERT"),
        .write(
            "WITH d AS (DELETE FROM blog_draft RETURNING *) SELECT * FROM d", tables: ["blog_draft"],
            reason: "data-modifying CTE"),
        .write(
            "WITH u AS (UPDATE blog_entry SET n = n + 1 RETURNING id) SELECT count(*) FROM u", tables: ["blog_entry"],
            reason: "data-modifying CTE"),
        .write("SELECT * FROM blog_entry FOR UPDATE", tables: ["blog_entry"], reason: "locking clause"),
        .write(
            "SELECT * FROM blog_entry WHERE id = 1 FOR NO KEY UPDATE", tables: ["blog_entry"], reason: "locking clause"),
        .write("SELECT * FROM blog_entry FOR SHARE SKIP LOCKED", tables: ["blog_entry"], reason: "locking clause"),
        .write("SELECT * FROM blog_entry FOR KEY SHARE", tables: ["blog_entry"], reason: "locking clause"),
        .write(
            "SELECT * FROM (SELECT * FROM jobs FOR UPDATE SKIP LOCKED LIMIT 1) j", tables: ["jobs"],
            reason: "locking clause"),
        .write("SELECT * INTO blog_copy FROM blog_entry", tables: ["blog_copy", "blog_entry"], reason: "SELECT INTO"),
        .write("SELECT nextval('blog_entry_id_seq')", reason: "write function nextval"),
        .write("SELECT setval('s', 1)", reason: "write function setval"),
        .write("SELECT currval('s')", reason: "write function currval"),
        .write("SELECT lastval()", reason: "write function lastval"),
        .write("SELECT pg_advisory_lock(42)", reason: "write function pg_advisory_lock"),
        .write("SELECT pg_try_advisory_xact_lock(42)", reason: "write function pg_try_advisory_xact_lock"),
        .write("SELECT pg_notify('jobs', 'x')", reason: "write function pg_notify"),
        .write("SELECT set_config('app.user', '1', false)", reason: "write function set_config"),
        .write("SELECT txid_current()", reason: "write function txid_current"),
        .write("SELECT pg_current_xact_id()", reason: "write function pg_current_xact_id"),
        .write("SELECT lo_create(0)", reason: "write function lo_create"),
        .write("SELECT pg_promote()", reason: "write function pg_promote"),
        .write("SELECT dblink_exec('x', 'y')", reason: "write function dblink_exec"),
        .write("SELECT id, nextval('s') FROM blog_entry", tables: ["blog_entry"], reason: "write function nextval"),
        .write(
            "SELECT * FROM blog_entry WHERE id = (SELECT currval('s'))", tables: ["blog_entry"],
            reason: "write function currval"),
        .write("SELECT audit_login(1)", reason: "write function audit_login"),
        .write("SELECT public.audit_login(1)", reason: "write function audit_login"),
        .write(
            "SELECT * FROM blog_entry WHERE audit_touch(id)", tables: ["blog_entry"],
            reason: "write function audit_touch"),
        .write("SELECT billing.charge(1)", reason: "write function charge"),
        .write("EXPLAIN ANALYZE DELETE FROM blog_entry", tables: ["blog_entry"], reason: "EXPLAIN ANALYZE DELETE"),
        .write(
            "EXPLAIN (ANALYZE, BUFFERS) INSERT INTO blog_entry VALUES (1)", tables: ["blog_entry"],
            reason: "EXPLAIN ANALYZE INSERT"),
        .write("EXPLAIN ANALYZE SELECT nextval('s')", reason: "EXPLAIN ANALYZE write function nextval"),
        .write("EXPLAIN ANALYZE SELECT audit_x()", reason: "write function audit_x"),
        .write("CREATE TABLE blog_tag (id int)", tables: ["blog_tag"], reason: "CREATE TABLE"),
        .write(
            "CREATE TABLE blog_tag (entry_id int REFERENCES blog_entry (id))", tables: ["blog_tag", "blog_entry"],
            reason: "CREATE TABLE"),
        .write("ALTER TABLE blog_entry ADD COLUMN slug text", tables: ["blog_entry"], reason: "ALTER TABLE"),
        .write("DROP TABLE blog_tag", tables: ["blog_tag"], reason: "DROP TABLE"),
        .write("CREATE INDEX blog_title ON blog_entry (title)", tables: ["blog_entry"], reason: "CREATE INDEX"),
        .write("DROP INDEX blog_title", tables: ["blog_title"], reason: "DROP INDEX"),
        .write("CREATE VIEW v AS SELECT * FROM blog_entry", tables: ["v", "blog_entry"], reason: "CREATE VIEW"),
        .write("TRUNCATE blog_entry", tables: ["blog_entry"], reason: "TRUNCATE"),
        .write("LOCK TABLE blog_entry IN SHARE MODE", tables: ["blog_entry"], reason: "LOCK"),
        .write("VACUUM ANALYZE blog_entry", tables: ["blog_entry"], reason: "VACUUM"),
        .write("ANALYZE blog_entry", tables: ["blog_entry"], reason: "ANALYZE"),
        .write("REFRESH MATERIALIZED VIEW mv", tables: ["mv"], reason: "REFRESH MATERIALIZED VIEW"),
        .write("COMMENT ON TABLE blog_entry IS 'posts'", tables: ["blog_entry"], reason: "COMMENT"),
        .write("GRANT SELECT ON blog_entry TO reader", tables: ["blog_entry"], reason: "GRANT"),
        .write("CREATE EXTENSION hstore", reason: "CREATE EXTENSION"),
        .write("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END", reason: "CREATE FUNCTION"),
        .write("CREATE SCHEMA reporting", reason: "CREATE SCHEMA"),
        .write("CHECKPOINT", reason: "CHECKPOINT"),
        .write("CALL refresh_all()", reason: "CALL"),
        .write("DO $$ BEGIN PERFORM 1; END $$", reason: "DO"),
        .write("NOTIFY jobs", reason: "NOTIFY"),
        .write("COPY blog_entry FROM STDIN", tables: ["blog_entry"], reason: "COPY"),
        .write("COPY blog_entry TO '/tmp/x'", tables: ["blog_entry"], reason: "COPY"),
        .write("SELEC 1", reason: "unrecognized statement"),
        .write("VACUM blog_entry", reason: "unrecognized statement"),
        .write("( 1 )", reason: "unrecognized statement"),
        .write("SELECT 1; DELETE FROM blog_entry", tables: ["blog_entry"], reason: "DELETE"),
        .write("SELECT * FROM a; UPDATE b SET x = 1; SELECT 2", tables: ["a", "b"], reason: "UPDATE"),
        .write("SELECT 1; SELECT nextval('s')", reason: "write function nextval"),
    ]

    @Test(arguments: reads + writes)
    func decision(_ testCase: RouteCase) {
        #expect(testCase.decide() == testCase.expected)
    }
}
