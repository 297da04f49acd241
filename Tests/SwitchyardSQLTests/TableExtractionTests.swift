// TableExtractionTests: the relations and functions a statement names, folded as PostgreSQL does.

import SwitchyardSQL
import Testing

/// Which names are tables follows PostgreSQL's grammar: FROM/JOIN items, DML and DDL targets,
/// subqueries and CTE bodies; CTE names and table functions are not tables.
@Suite struct TableExtractionTests {
    static let tables: [(String, [String])] = [
        ("SELECT * FROM a", ["a"]),
        ("SELECT * FROM A", ["a"]),
        ("SELECT * FROM public.a", ["public.a"]),
        ("SELECT * FROM \"Public\".\"A\"", ["Public.A"]),
        ("SELECT * FROM db.public.a", ["public.a"]),
        ("SELECT * FROM \"Order Items\"", ["Order Items"]),
        ("SELECT * FROM U&\"d\\0061ta\"", ["data"]),
        ("SELECT * FROM ÉCOLE", ["École"]),
        ("SELECT * FROM " + String(repeating: "t", count: 70), [String(repeating: "t", count: 63)]),
        (
            "SELECT * FROM a JOIN b ON a.id = b.id LEFT JOIN c USING (id) CROSS JOIN d NATURAL JOIN e",
            ["a", "b", "c", "d", "e"]
        ),
        (
            "SELECT * FROM t1 NATURAL FULL OUTER JOIN t2 RIGHT OUTER JOIN t3 ON true INNER JOIN t4 ON true",
            ["t1", "t2", "t3", "t4"]
        ),
        ("SELECT * FROM a x, b AS y, c", ["a", "b", "c"]),
        ("SELECT * FROM t AS \"Alias\" JOIN u \"u2\" ON true", ["t", "u"]),
        ("SELECT * FROM a, a AS b", ["a"]),
        ("SELECT * FROM (SELECT * FROM b) s JOIN c ON true", ["b", "c"]),
        ("SELECT * FROM a WHERE id IN (SELECT id FROM b) AND EXISTS (SELECT 1 FROM c)", ["a", "b", "c"]),
        ("SELECT (SELECT max(x) FROM b) FROM a", ["b", "a"]),
        ("SELECT * FROM a WHERE x = ANY (SELECT y FROM b WHERE z IN (SELECT w FROM c))", ["a", "b", "c"]),
        ("WITH x AS (SELECT * FROM b) SELECT * FROM x JOIN c ON true", ["b", "c"]),
        ("WITH x(p, q) AS (SELECT 1, 2 FROM d) SELECT * FROM x", ["d"]),
        ("WITH x AS (SELECT 1 FROM a), y AS (SELECT 2 FROM b) SELECT * FROM x, y, c", ["a", "b", "c"]),
        (
            "WITH RECURSIVE r AS (SELECT 1 FROM seed UNION ALL SELECT n FROM r JOIN edges ON true) SELECT * FROM r",
            ["seed", "edges"]
        ),
        ("SELECT * FROM (WITH inner_cte AS (SELECT * FROM a) SELECT * FROM inner_cte) s", ["a"]),
        ("SELECT * FROM generate_series(1, 3) g, t", ["t"]),
        ("SELECT * FROM a, LATERAL (SELECT * FROM b WHERE b.x = a.x) l", ["a", "b"]),
        ("SELECT * FROM a CROSS JOIN LATERAL unnest(a.arr) u", ["a"]),
        ("SELECT * FROM ROWS FROM (generate_series(1, 2), unnest('{1}'::int[])) AS r(a, b)", []),
        ("SELECT * FROM ONLY parent", ["parent"]),
        ("SELECT * FROM parent * WHERE x = 1", ["parent"]),
        ("SELECT * FROM big TABLESAMPLE SYSTEM (10) REPEATABLE (1), small", ["big", "small"]),
        ("SELECT * FROM (a JOIN b ON a.id = b.id) JOIN c ON true", ["a", "b", "c"]),
        ("SELECT * FROM (VALUES (1), (2)) v(x) JOIN t ON true", ["t"]),
        ("SELECT * FROM t, LATERAL jsonb_to_recordset(t.j) AS r(a int, b text)", ["t"]),
        ("SELECT * FROM a UNION SELECT * FROM b", ["a", "b"]),
        ("TABLE a UNION TABLE b", ["a", "b"]),
        ("SELECT * FROM t JOIN u ON CASE WHEN t.a THEN true ELSE false END, v", ["t", "u", "v"]),
        ("SELECT CASE WHEN x > 0 THEN 1 END FROM t, u", ["t", "u"]),
        ("SELECT extract(year FROM ts), trim(both 'x' from y), substring(s FROM 2) FROM t", ["t"]),
        ("SELECT * FROM t WHERE x IS DISTINCT FROM y", ["t"]),
        ("SELECT * FROM t WINDOW w AS (PARTITION BY x)", ["t"]),
        ("SELECT * FROM t1 FOR UPDATE OF t1", ["t1"]),
        ("SELECT 1 FROM t1 WHERE (a, b) IN (SELECT a, b FROM t2)", ["t1", "t2"]),
        ("SELECT a.*, b.c FROM a, b", ["a", "b"]),
        ("SELECT * INTO TEMP t FROM a", ["t", "a"]),
        ("INSERT INTO a (x) SELECT x FROM b", ["a", "b"]),
        ("INSERT INTO a AS t VALUES (1) ON CONFLICT (id) DO UPDATE SET x = t.x + 1", ["a"]),
        ("INSERT INTO s.a DEFAULT VALUES", ["s.a"]),
        ("INSERT INTO a WITH x AS (SELECT * FROM b) SELECT * FROM x", ["a", "b"]),
        ("UPDATE a SET x = b.x FROM b WHERE a.id = b.id", ["a", "b"]),
        ("UPDATE ONLY a AS t SET x = 1", ["a"]),
        ("UPDATE a t SET x = (SELECT max(y) FROM b) WHERE id IN (SELECT id FROM c)", ["a", "b", "c"]),
        ("DELETE FROM a USING b, c WHERE a.id = b.id", ["a", "b", "c"]),
        ("DELETE FROM a USING b JOIN c USING (id)", ["a", "b", "c"]),
        ("DELETE FROM ONLY a x WHERE x.id = 1 RETURNING *", ["a"]),
        (
            "MERGE INTO a t USING b s ON t.id = s.id WHEN MATCHED THEN UPDATE SET x = s.x WHEN NOT MATCHED THEN INSERT (id, x) VALUES (s.id, s.x)",
            ["a", "b"]
        ),
        ("MERGE INTO a USING (SELECT * FROM b) s ON true WHEN MATCHED THEN DELETE", ["a", "b"]),
        ("COPY a (x, y) FROM STDIN", ["a"]),
        ("COPY (SELECT * FROM b JOIN c ON true) TO STDOUT", ["b", "c"]),
        ("TRUNCATE a, ONLY b, c * CASCADE", ["a", "b", "c"]),
        ("TRUNCATE TABLE a RESTART IDENTITY", ["a"]),
        ("LOCK TABLE a, b IN ACCESS EXCLUSIVE MODE", ["a", "b"]),
        ("LOCK a", ["a"]),
        ("CREATE TABLE a (id int PRIMARY KEY, b_id int REFERENCES b (id), CHECK (id > 0))", ["a", "b"]),
        ("CREATE TABLE IF NOT EXISTS s.a (LIKE b INCLUDING ALL)", ["s.a", "b"]),
        ("CREATE TABLE a (x text CHECK (x LIKE 'p%'))", ["a"]),
        ("CREATE TABLE a PARTITION OF b FOR VALUES IN (1)", ["a", "b"]),
        ("CREATE TABLE a () INHERITS (b, c)", ["a", "b", "c"]),
        ("CREATE TABLE a AS SELECT * FROM b", ["a", "b"]),
        ("CREATE UNLOGGED TABLE a (x text)", ["a"]),
        ("CREATE INDEX ON a (x)", ["a"]),
        ("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx ON ONLY a USING btree (lower(x))", ["a"]),
        ("CREATE VIEW v AS SELECT * FROM a JOIN b USING (id)", ["v", "a", "b"]),
        ("CREATE OR REPLACE RECURSIVE VIEW v (n) AS SELECT 1 FROM a", ["v", "a"]),
        ("CREATE MATERIALIZED VIEW IF NOT EXISTS mv AS SELECT * FROM a WITH NO DATA", ["mv", "a"]),
        ("CREATE SEQUENCE s", ["s"]),
        ("CREATE TRIGGER tr BEFORE INSERT ON a FOR EACH ROW EXECUTE FUNCTION f()", ["a"]),
        ("CREATE POLICY p ON a USING (true)", ["a"]),
        ("CREATE RULE r AS ON INSERT TO a DO INSTEAD NOTHING", ["a"]),
        ("CREATE STATISTICS st (dependencies) ON x, y FROM a", ["a"]),
        ("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'", []),
        ("ALTER TABLE a ADD COLUMN x int", ["a"]),
        ("ALTER TABLE IF EXISTS ONLY a RENAME TO b", ["a"]),
        ("ALTER TABLE a ADD CONSTRAINT fk FOREIGN KEY (b_id) REFERENCES b (id)", ["a", "b"]),
        ("ALTER TABLE p ATTACH PARTITION c FOR VALUES IN (1)", ["p", "c"]),
        ("ALTER TABLE p DETACH PARTITION c", ["p", "c"]),
        ("ALTER TABLE c INHERIT p", ["c", "p"]),
        ("ALTER INDEX i RENAME TO j", ["i"]),
        ("ALTER SEQUENCE s RESTART", ["s"]),
        ("ALTER MATERIALIZED VIEW mv RENAME TO mv2", ["mv"]),
        ("ALTER ROLE r SET x = 1", []),
        ("DROP TABLE IF EXISTS a, b CASCADE", ["a", "b"]),
        ("DROP INDEX CONCURRENTLY IF EXISTS i", ["i"]),
        ("DROP VIEW v", ["v"]),
        ("DROP MATERIALIZED VIEW mv", ["mv"]),
        ("DROP TRIGGER tr ON a", ["a"]),
        ("DROP FUNCTION f(int)", []),
        ("VACUUM (VERBOSE, ANALYZE) a, b (x)", ["a", "b"]),
        ("VACUUM FULL FREEZE a", ["a"]),
        ("ANALYZE VERBOSE a", ["a"]),
        ("ANALYZE", []),
        ("CLUSTER a USING idx", ["a"]),
        ("REINDEX TABLE CONCURRENTLY a", ["a"]),
        ("REINDEX INDEX i", ["i"]),
        ("REINDEX SCHEMA s", []),
        ("REFRESH MATERIALIZED VIEW CONCURRENTLY mv", ["mv"]),
        ("COMMENT ON TABLE a IS 'x'", ["a"]),
        ("COMMENT ON COLUMN a.x IS 'y'", ["a"]),
        ("COMMENT ON COLUMN s.a.x IS 'y'", ["s.a"]),
        ("GRANT SELECT ON a, b TO u", ["a", "b"]),
        ("GRANT ALL ON TABLE a TO u", ["a"]),
        ("GRANT USAGE ON SCHEMA s TO u", []),
        ("GRANT SELECT ON ALL TABLES IN SCHEMA s TO u", []),
        ("REVOKE INSERT ON a FROM u", ["a"]),
        ("DECLARE c CURSOR FOR SELECT * FROM a", ["a"]),
        ("PREPARE q AS SELECT * FROM a WHERE id = $1", ["a"]),
        ("EXPLAIN ANALYZE DELETE FROM a WHERE id IN (SELECT id FROM b)", ["a", "b"]),
        ("SELECT * FROM set JOIN delete ON true, key, comment", ["set", "delete", "key", "comment"]),
        ("SELECT 1", []),
        ("BEGIN", []),
    ]

    @Test(arguments: tables)
    func tablesNamed(_ sql: String, _ expected: [String]) {
        #expect(statement(sql).tableNames == expected)
    }

    static let functions: [(String, [String])] = [
        ("SELECT count(*), max(x) FROM a", ["count", "max"]),
        ("SELECT s.f(1), pg_catalog.lower('A')", ["s.f", "pg_catalog.lower"]),
        ("SELECT \"MyFunc\"(1)", ["MyFunc"]),
        ("SELECT CAST(x AS int), x::numeric(10, 2), x::varchar(3), COALESCE(a, b) FROM t", ["coalesce"]),
        ("SELECT * FROM t WHERE x = ANY (ARRAY[1, 2]) AND EXISTS (SELECT 1) AND y IN (1, 2)", []),
        ("SELECT ROW(1, 2) = ROW(1, 2)", []),
        ("SELECT left('abc', 1), right('abc', 1)", ["left", "right"]),
        ("SELECT * FROM generate_series(1, 3) g(i)", ["generate_series"]),
        (
            "SELECT count(*) FILTER (WHERE a) OVER (PARTITION BY b), rank() OVER w FROM t WINDOW w AS (ORDER BY c)",
            ["count", "rank"]
        ),
        ("SELECT f(g(h(1)))", ["f", "g", "h"]),
        ("SELECT now(), now()", ["now"]),
        ("INSERT INTO t (a) VALUES (nextval('s'))", ["nextval"]),
        ("INSERT INTO t (a, b) VALUES (1, 2) ON CONFLICT (a) DO NOTHING", []),
        ("MERGE INTO a USING b ON true WHEN NOT MATCHED THEN INSERT (x) VALUES (lower(b.x))", ["lower"]),
        ("SELECT * FROM t1 JOIN t2 USING (id)", []),
        ("SELECT * FROM t AS a (x, y)", []),
        ("WITH c (x) AS (SELECT 1) SELECT x FROM c", []),
        ("CALL my_proc(1)", ["my_proc"]),
        ("SELECT x FROM t GROUP BY GROUPING SETS ((a), (b)), CUBE (c), ROLLUP (d)", []),
        ("SELECT interval '1 day', timestamp '2020-01-01', time(3) '10:00'", []),
    ]

    @Test(arguments: functions)
    func functionsCalled(_ sql: String, _ expected: [String]) {
        #expect(statement(sql).functions.map(\.description) == expected)
    }

    @Test func aliasesAreRecordedPerTable() {
        let analysis = statement("SELECT * FROM orders o JOIN orders AS o2 ON true JOIN items ON true")
        #expect(
            analysis.tables == [
                TableReference(name: QualifiedName(name: "orders"), aliases: ["o", "o2"]),
                TableReference(name: QualifiedName(name: "items")),
            ])
        #expect(
            statement("UPDATE public.orders x SET a = 1").tables
                == [TableReference(name: QualifiedName(schema: "public", name: "orders"), aliases: ["x"])])
    }
}
