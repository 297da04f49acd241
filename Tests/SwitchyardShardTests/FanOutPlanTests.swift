// FanOutPlanTests: ORDER BY, LIMIT/OFFSET/FETCH, aggregates and refusals read from SELECT texts.

import SwitchyardShard
import SwitchyardWire
import Testing

@Suite struct FanOutPlanTests {
    /// A plan expected from a statement; `shard: nil` means the text is unchanged.
    struct Case: Sendable, CustomTestStringConvertible {
        var sql: String
        var mode: MergeMode
        var shard: String? = nil
        var limit: RowCount? = nil
        var offset: RowCount? = nil

        var testDescription: String { self.sql }
    }

    static func key(_ column: OutputColumn, desc: Bool = false, nullsFirst: Bool? = nil) -> SortKey {
        SortKey(column: column, isDescending: desc, nullsFirst: nullsFirst)
    }

    static let orderCases: [Case] = [
        Case(sql: "SELECT * FROM orders", mode: .rows(sortKeys: [])),
        Case(sql: "TABLE orders", mode: .rows(sortKeys: [])),
        Case(sql: "SELECT id, total FROM orders ORDER BY 2 DESC", mode: .rows(sortKeys: [key(.position(1), desc: true)])),
        Case(
            sql: "SELECT id, total AS t FROM orders ORDER BY t",
            mode: .rows(sortKeys: [key(.named("t", otherwise: nil))])),
        Case(
            sql: "SELECT id, total FROM orders ORDER BY total NULLS FIRST",
            mode: .rows(sortKeys: [key(.named("total", otherwise: .position(1)), nullsFirst: true)])),
        Case(
            sql: "SELECT id, \"Total\" FROM orders ORDER BY \"Total\" DESC NULLS LAST, ID asc",
            mode: .rows(sortKeys: [
                key(.named("Total", otherwise: .position(1)), desc: true, nullsFirst: false),
                key(.named("id", otherwise: .position(0))),
            ])),
        Case(
            sql: "select id, lower(name) from orders order by LOWER( name ) desc",
            mode: .rows(sortKeys: [key(.position(1), desc: true)])),
        Case(
            sql: "SELECT *, total * 2 FROM orders ORDER BY total * 2 USING >, 1 USING <",
            mode: .rows(sortKeys: [key(.positionFromEnd(1), desc: true), key(.position(0))])),
        Case(
            sql: "SELECT o.*, c.name AS customer FROM orders o JOIN customers c USING (customer_id) ORDER BY customer",
            mode: .rows(sortKeys: [key(.named("customer", otherwise: nil))])),
        Case(
            sql: "SELECT * FROM orders ORDER BY created_at DESC",
            mode: .rows(sortKeys: [key(.named("created_at", otherwise: nil), desc: true)])),
        Case(
            sql: "SELECT total + 1 FROM orders ORDER BY x",
            mode: .rows(sortKeys: [key(.named("x", otherwise: nil))])),
        Case(
            sql: "SELECT o.total FROM orders o ORDER BY o.total",
            mode: .rows(sortKeys: [key(.position(0))])),
    ]

    static let limitCases: [Case] = [
        Case(
            sql: "SELECT * FROM t ORDER BY 1 LIMIT 10", mode: .rows(sortKeys: [key(.position(0))]),
            limit: .literal(10)),
        Case(
            sql: "SELECT * FROM t ORDER BY 1 LIMIT 10 OFFSET 5", mode: .rows(sortKeys: [key(.position(0))]),
            shard: "SELECT * FROM t ORDER BY 1 LIMIT 15 ", limit: .literal(10), offset: .literal(5)),
        Case(
            sql: "SELECT * FROM t OFFSET 5 LIMIT 10", mode: .rows(sortKeys: []),
            shard: "SELECT * FROM t  LIMIT 15", limit: .literal(10), offset: .literal(5)),
        Case(
            sql: "SELECT * FROM t OFFSET 5", mode: .rows(sortKeys: []), shard: "SELECT * FROM t ",
            offset: .literal(5)),
        Case(
            sql: "SELECT * FROM t LIMIT ALL OFFSET 3", mode: .rows(sortKeys: []), shard: "SELECT * FROM t LIMIT ALL ",
            offset: .literal(3)),
        Case(sql: "SELECT * FROM t LIMIT NULL", mode: .rows(sortKeys: [])),
        Case(sql: "SELECT * FROM t OFFSET 0", mode: .rows(sortKeys: []), offset: .literal(0)),
        Case(
            sql: "SELECT * FROM t LIMIT $1 OFFSET $2", mode: .rows(sortKeys: []),
            shard:
                "SELECT * FROM t LIMIT (CASE WHEN $1::int8 < 0 THEN $1::int8 ELSE $1::int8 + greatest($2::int8, 0) END) OFFSET least($2::int8, 0)",
            limit: .parameter(1), offset: .parameter(2)),
        Case(
            sql: "SELECT * FROM t LIMIT 10 OFFSET $1", mode: .rows(sortKeys: []),
            shard: "SELECT * FROM t LIMIT (10 + greatest($1::int8, 0)) OFFSET least($1::int8, 0)",
            limit: .literal(10), offset: .parameter(1)),
        Case(
            sql: "SELECT * FROM t LIMIT $1 OFFSET 3", mode: .rows(sortKeys: []),
            shard: "SELECT * FROM t LIMIT (CASE WHEN $1::int8 < 0 THEN $1::int8 ELSE $1::int8 + 3 END) ",
            limit: .parameter(1), offset: .literal(3)),
        Case(
            sql: "SELECT * FROM t OFFSET $2", mode: .rows(sortKeys: []),
            shard: "SELECT * FROM t OFFSET least($2::int8, 0)", offset: .parameter(2)),
        Case(
            sql: "SELECT * FROM t OFFSET 2 ROWS FETCH FIRST 3 ROWS ONLY", mode: .rows(sortKeys: []),
            shard: "SELECT * FROM t  FETCH FIRST 5 ROWS ONLY", limit: .literal(3), offset: .literal(2)),
        Case(
            sql: "SELECT * FROM t FETCH NEXT ROW ONLY", mode: .rows(sortKeys: []), limit: .literal(1)),
        Case(
            sql: "SELECT * FROM t OFFSET 1 ROW FETCH NEXT ROW ONLY", mode: .rows(sortKeys: []),
            shard: "SELECT * FROM t  FETCH NEXT 2 ROW ONLY", limit: .literal(1), offset: .literal(1)),
        Case(
            sql: "SELECT * FROM t FETCH FIRST ($1) ROWS ONLY OFFSET 4 ROWS", mode: .rows(sortKeys: []),
            shard: "SELECT * FROM t FETCH FIRST (CASE WHEN $1::int8 < 0 THEN $1::int8 ELSE $1::int8 + 4 END) ROWS ONLY ",
            limit: .parameter(1), offset: .literal(4)),
        Case(
            sql: "SELECT * FROM t LIMIT (5) OFFSET (+2)", mode: .rows(sortKeys: []), shard: "SELECT * FROM t LIMIT 7 ",
            limit: .literal(5), offset: .literal(2)),
        // Negative constants stay for the shards to reject with PostgreSQL's error.
        Case(sql: "SELECT * FROM t LIMIT -1 OFFSET 2", mode: .rows(sortKeys: []), limit: .literal(-1), offset: .literal(2)),
        Case(sql: "SELECT * FROM t LIMIT 1 OFFSET -2", mode: .rows(sortKeys: []), limit: .literal(1), offset: .literal(-2)),
    ]

    static let aggregateCases: [Case] = [
        Case(sql: "SELECT count(*) FROM t", mode: .aggregate([.count(0)])),
        Case(
            sql: "SELECT count(*), sum(x) AS s, min(y), max(z), avg(w) FROM t",
            mode: .aggregate([.count(0), .sum(1), .min(2), .max(3), .average(sum: 4, count: 5, name: "avg")]),
            shard: "SELECT count(*), sum(x) AS s, min(y), max(z), sum(w), count(w) FROM t"),
        Case(
            sql: "SELECT avg(x) AS mean, 'k' FROM t WHERE y > 3",
            mode: .aggregate([.average(sum: 0, count: 1, name: "mean"), .first(2)]),
            shard: "SELECT sum(x), count(x) AS mean, 'k' FROM t WHERE y > 3"),
        Case(
            sql: "SELECT pg_catalog.avg(x) FILTER (WHERE x > 0) \"Mean\", COUNT(x) FROM t",
            mode: .aggregate([.average(sum: 0, count: 1, name: "Mean"), .count(2)]),
            shard: "SELECT pg_catalog.sum(x) FILTER (WHERE x > 0), count(x) FILTER (WHERE x > 0) \"Mean\", COUNT(x) FROM t"),
        Case(
            sql: "SELECT count(*) FROM t ORDER BY 1 LIMIT 1 OFFSET 1", mode: .aggregate([.count(0)]),
            shard: "SELECT count(*) FROM t ORDER BY 1 LIMIT 2 ", limit: .literal(1), offset: .literal(1)),
    ]

    /// Clause words inside constants, quoted identifiers and comments are not clauses.
    static let literalCases: [Case] = [
        // The statement ends at its last token: trailing comments are not sent to the shards.
        Case(
            sql: "SELECT 'ORDER BY x LIMIT 5' AS s FROM t /* LIMIT 10 OFFSET 3 */ -- ORDER BY 1", mode: .rows(sortKeys: []),
            shard: "SELECT 'ORDER BY x LIMIT 5' AS s FROM t"),
        Case(
            sql: "SELECT \"limit\" FROM t ORDER BY \"limit\" LIMIT 2 OFFSET 1",
            mode: .rows(sortKeys: [key(.named("limit", otherwise: .position(0)))]),
            shard: "SELECT \"limit\" FROM t ORDER BY \"limit\" LIMIT 3 ", limit: .literal(2), offset: .literal(1)),
        Case(
            sql: "SELECT $$ OFFSET 1 $$, x FROM t OFFSET 1", mode: .rows(sortKeys: []),
            shard: "SELECT $$ OFFSET 1 $$, x FROM t ", offset: .literal(1)),
        Case(
            sql: "SELECT x FROM t WHERE s = E'\\' LIMIT 1' ORDER BY x LIMIT 4 OFFSET 4",
            mode: .rows(sortKeys: [key(.named("x", otherwise: .position(0)))]),
            shard: "SELECT x FROM t WHERE s = E'\\' LIMIT 1' ORDER BY x LIMIT 8 ", limit: .literal(4), offset: .literal(4)),
        Case(
            sql: "SELECT x FROM t ORDER BY x OFFSET 5 /* keep */ LIMIT /* c */ 10",
            mode: .rows(sortKeys: [key(.named("x", otherwise: .position(0)))]),
            shard: "SELECT x FROM t ORDER BY x  /* keep */ LIMIT /* c */ 15", limit: .literal(10), offset: .literal(5)),
        Case(
            sql: "SELECT a IS DISTINCT FROM b AS d, (SELECT 1) IS NULL FROM t WHERE EXISTS (SELECT 1 FROM u LIMIT 1)",
            mode: .rows(sortKeys: [])),
        Case(
            sql: "WITH recent AS (SELECT * FROM orders WHERE day > 3) SELECT id FROM recent ORDER BY id DESC LIMIT 3",
            mode: .rows(sortKeys: [key(.named("id", otherwise: .position(0)), desc: true)]), limit: .literal(3)),
    ]

    @Test(arguments: orderCases + limitCases + aggregateCases + literalCases)
    func planMatches(_ expected: Case) throws {
        let plan = try #require(FanOutPlan(sql: expected.sql).mergePlan, "unsupported: \(FanOutPlan(sql: expected.sql))")
        #expect(plan.mode == expected.mode)
        #expect(plan.shardSQL == (expected.shard ?? expected.sql))
        #expect(plan.limit == expected.limit)
        #expect(plan.offset == expected.offset)
    }

    static let refusals: [(String, String)] = [
        ("SELECT x, count(*) FROM t GROUP BY x", "GROUP BY"),
        ("SELECT count(*) FROM t HAVING count(*) > 1", "HAVING"),
        ("SELECT DISTINCT x FROM t", "SELECT DISTINCT"),
        ("SELECT DISTINCT ON (x) x, y FROM t", "SELECT DISTINCT"),
        ("SELECT x FROM t UNION SELECT x FROM u", "UNION, INTERSECT or EXCEPT"),
        ("SELECT x FROM t EXCEPT ALL SELECT x FROM u ORDER BY 1", "UNION, INTERSECT or EXCEPT"),
        ("SELECT x FROM t FOR UPDATE", "only SELECT can run on several shards (locking clause)"),
        ("SELECT x INTO new_t FROM t", "only SELECT can run on several shards (SELECT INTO)"),
        ("INSERT INTO t VALUES (1)", "only SELECT can run on several shards (INSERT)"),
        ("SELECT count(*) + 1 FROM t", "an aggregate other than count, sum, min, max or avg, or inside an expression"),
        ("SELECT string_agg(x, ',') FROM t", "an aggregate other than count, sum, min, max or avg, or inside an expression"),
        ("SELECT count(DISTINCT x) FROM t", "count(DISTINCT ...)"),
        ("SELECT *, count(*) FROM t", "* together with aggregates"),
        ("SELECT x, row_number() OVER (ORDER BY x) FROM t", "window function"),
        ("SELECT x, sum(x) OVER w FROM t WINDOW w AS (ORDER BY x)", "WINDOW"),
        ("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM t", "ordered-set aggregate (WITHIN GROUP)"),
        ("SELECT x FROM t ORDER BY y", "ORDER BY \"y\", which is not in the select list"),
        ("SELECT x FROM t ORDER BY x + 1", "ORDER BY an expression that is not in the select list"),
        ("SELECT x FROM t ORDER BY x COLLATE \"C\"", "ORDER BY an expression that is not in the select list"),
        ("SELECT x FROM t ORDER BY t.x", "ORDER BY an expression that is not in the select list"),
        ("SELECT x FROM t ORDER BY 0", "ORDER BY a constant that is not a column position"),
        ("SELECT x FROM t ORDER BY x USING ~<~", "ORDER BY ... USING an operator other than < or >"),
        ("SELECT x FROM t LIMIT (SELECT 1)", "LIMIT other than an integer constant or a parameter"),
        ("SELECT x FROM t LIMIT 2 + 3", "LIMIT other than an integer constant or a parameter"),
        ("SELECT x FROM t OFFSET $1 * 2", "OFFSET other than an integer constant or a parameter"),
        ("SELECT x FROM t FETCH FIRST 3 ROWS WITH TIES", "FETCH ... WITH TIES"),
        ("SELECT x FROM t LIMIT 1 FETCH FIRST 3 ROWS ONLY", "LIMIT together with FETCH"),
        ("SELECT x FROM t WHERE y > (SELECT avg(y) FROM t)", "a subquery that aggregates, groups, de-duplicates or limits rows"),
        ("SELECT x FROM t WHERE y IN (SELECT y FROM u LIMIT 5)", "a subquery that aggregates, groups, de-duplicates or limits rows"),
        ("SELECT * FROM (SELECT DISTINCT x FROM t) d", "a subquery that aggregates, groups, de-duplicates or limits rows"),
        ("WITH c AS (SELECT count(*) FROM t) SELECT * FROM c", "a subquery that aggregates, groups, de-duplicates or limits rows"),
        ("WITH RECURSIVE r AS (SELECT 1) SELECT * FROM r", "WITH RECURSIVE"),
        ("(SELECT x FROM t) ORDER BY x", "a query that does not start with SELECT, WITH or TABLE"),
        ("SELECT 1; SELECT 2", "a fan-out query must be exactly one statement"),
    ]

    @Test(arguments: refusals)
    func refusesWhatCannotBeMerged(_ sql: String, _ reason: String) {
        let plan = FanOutPlan(sql: sql)
        #expect(plan == .unsupported(reason))
        #expect(plan.error == MergeError(sqlState: .featureNotSupported, message: "cannot run on several shards: \(reason)"))
    }

    @Test func shardResultFormatsFollowTheSplitAverage() throws {
        let plan = try #require(FanOutPlan(sql: "SELECT count(*), avg(x), max(y) FROM t").mergePlan)
        #expect(plan.changesColumns)
        #expect(plan.shardResultFormats(clientFormats: []) == [])
        #expect(plan.shardResultFormats(clientFormats: [1]) == [1])
        #expect(plan.shardResultFormats(clientFormats: [0, 1, 0]) == [0, 1, 1, 0])
        let rows = try #require(FanOutPlan(sql: "SELECT x, y FROM t ORDER BY 1").mergePlan)
        #expect(!rows.changesColumns)
        #expect(rows.shardResultFormats(clientFormats: [0, 1]) == [0, 1])
    }

    @Test func standardConformingStringsOffChangesWhereStringsEnd() throws {
        // With standard_conforming_strings off, \' does not end the string: LIMIT 1 is inside it.
        let sql = "SELECT x FROM t WHERE s = '\\' LIMIT 1' OFFSET 2"
        let plan = try #require(FanOutPlan(sql: sql, standardConformingStrings: false).mergePlan)
        #expect(plan.limit == nil)
        #expect(plan.offset == .literal(2))
        #expect(plan.shardSQL == "SELECT x FROM t WHERE s = '\\' LIMIT 1' ")
    }
}
