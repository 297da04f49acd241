// ShardKeyFactTests: key values taken from WHERE conjuncts, INSERT rows and SET lists.

import SwitchyardSQL
import Testing

/// A predicate counts only when it bounds every row the statement touches: `key = v` or
/// `key IN (...)` AND-ed at the top level of the statement's own WHERE (SPEC §3 "Sharding").
@Suite struct ShardKeyFactTests {
    static let keys: Set<String> = ["customer_id", "tenant"]

    private func predicates(_ sql: String) -> [KeyPredicate] {
        statement(sql, shardKeyColumns: Self.keys).shardKeys.predicates
    }

    static let usable: [(String, KeyPredicate)] = [
        ("SELECT * FROM orders WHERE customer_id = 42", KeyPredicate(column: "customer_id", values: [.integer(42)])),
        ("SELECT * FROM orders WHERE customer_id=-42", KeyPredicate(column: "customer_id", values: [.integer(-42)])),
        ("SELECT * FROM orders WHERE customer_id = +7", KeyPredicate(column: "customer_id", values: [.integer(7)])),
        ("SELECT * FROM orders WHERE 42 = customer_id", KeyPredicate(column: "customer_id", values: [.integer(42)])),
        (
            "SELECT * FROM orders o WHERE o.customer_id = 42",
            KeyPredicate(column: "customer_id", qualifier: "o", values: [.integer(42)])
        ),
        (
            "SELECT * FROM public.orders WHERE public.orders.customer_id = 1",
            KeyPredicate(column: "customer_id", qualifier: "orders", values: [.integer(1)])
        ),
        (
            "SELECT * FROM orders WHERE \"customer_id\" = 42",
            KeyPredicate(column: "customer_id", values: [.integer(42)])
        ),
        ("SELECT * FROM orders WHERE CUSTOMER_ID = 42", KeyPredicate(column: "customer_id", values: [.integer(42)])),
        ("SELECT * FROM orders WHERE customer_id = '42'", KeyPredicate(column: "customer_id", values: [.string("42")])),
        ("SELECT * FROM orders WHERE customer_id = $1", KeyPredicate(column: "customer_id", values: [.parameter(1)])),
        (
            "SELECT * FROM orders WHERE customer_id = '42'::bigint",
            KeyPredicate(column: "customer_id", values: [.integer(42)])
        ),
        (
            "SELECT * FROM orders WHERE customer_id = ' 42 '::int8",
            KeyPredicate(column: "customer_id", values: [.integer(42)])
        ),
        (
            "SELECT * FROM orders WHERE customer_id = 42::text",
            KeyPredicate(column: "customer_id", values: [.string("42")])
        ),
        (
            "SELECT * FROM orders WHERE customer_id = $2::bigint",
            KeyPredicate(column: "customer_id", values: [.parameter(2)])
        ),
        (
            "SELECT * FROM orders WHERE customer_id = 9223372036854775807",
            KeyPredicate(column: "customer_id", values: [.integer(.max)])
        ),
        (
            "SELECT * FROM orders WHERE customer_id = -9223372036854775808",
            KeyPredicate(column: "customer_id", values: [.integer(.min)])
        ),
        (
            "SELECT * FROM orders WHERE customer_id IN (1, 2, $3)",
            KeyPredicate(column: "customer_id", values: [.integer(1), .integer(2), .parameter(3)])
        ),
        (
            "SELECT * FROM orders WHERE customer_id = 1 AND status = 'x'",
            KeyPredicate(column: "customer_id", values: [.integer(1)])
        ),
        (
            "SELECT * FROM orders WHERE status = 'x' AND (customer_id = 1)",
            KeyPredicate(column: "customer_id", values: [.integer(1)])
        ),
        (
            "SELECT * FROM orders WHERE (status = 'x' AND customer_id = 1)",
            KeyPredicate(column: "customer_id", values: [.integer(1)])
        ),
        (
            "SELECT * FROM orders WHERE customer_id = 1 AND (a = 1 OR b = 2)",
            KeyPredicate(column: "customer_id", values: [.integer(1)])
        ),
        (
            "SELECT * FROM orders WHERE x BETWEEN 1 AND 2 AND customer_id = 5",
            KeyPredicate(column: "customer_id", values: [.integer(5)])
        ),
        (
            "SELECT * FROM orders WHERE customer_id = 5 GROUP BY x",
            KeyPredicate(column: "customer_id", values: [.integer(5)])
        ),
        (
            "SELECT * FROM orders WHERE customer_id = 5 ORDER BY x LIMIT 1",
            KeyPredicate(column: "customer_id", values: [.integer(5)])
        ),
        (
            "SELECT * FROM orders WHERE customer_id = 5 FOR UPDATE",
            KeyPredicate(column: "customer_id", values: [.integer(5)])
        ),
        (
            "SELECT * FROM orders o JOIN items i ON i.oid = o.id WHERE o.customer_id = 5",
            KeyPredicate(column: "customer_id", qualifier: "o", values: [.integer(5)])
        ),
        (
            "UPDATE orders SET total = 1 WHERE customer_id = 7",
            KeyPredicate(column: "customer_id", values: [.integer(7)])
        ),
        ("DELETE FROM orders WHERE customer_id = $2", KeyPredicate(column: "customer_id", values: [.parameter(2)])),
        ("SELECT * FROM events WHERE tenant = 'abc'", KeyPredicate(column: "tenant", values: [.string("abc")])),
        ("SELECT * FROM events WHERE tenant = E'a\\tb'", KeyPredicate(column: "tenant", values: [.string("a\tb")])),
        ("SELECT * FROM events WHERE tenant = $$x'y$$", KeyPredicate(column: "tenant", values: [.string("x'y")])),
        (
            "SELECT * FROM events WHERE tenant = U&'!0041' UESCAPE '!'",
            KeyPredicate(column: "tenant", values: [.string("A")])
        ),
        (
            "EXPLAIN SELECT * FROM orders WHERE customer_id = 3",
            KeyPredicate(column: "customer_id", values: [.integer(3)])
        ),
    ]

    @Test(arguments: usable)
    func usablePredicates(_ sql: String, _ expected: KeyPredicate) {
        #expect(self.predicates(sql) == [expected])
    }

    static let unusable: [String] = [
        "SELECT * FROM orders",
        "SELECT * FROM orders WHERE customer_id = 42::numeric",
        "SELECT * FROM orders WHERE customer_id = 4.2",
        "SELECT * FROM orders WHERE customer_id = 1e3",
        "SELECT * FROM orders WHERE customer_id = 99999999999999999999",
        "SELECT * FROM orders WHERE customer_id = 9223372036854775808",
        "SELECT * FROM orders WHERE customer_id = -9223372036854775809",
        "SELECT * FROM orders WHERE customer_id = 'x'::int",
        "SELECT * FROM orders WHERE customer_id = -'5'",
        "SELECT * FROM orders WHERE customer_id = NULL",
        "SELECT * FROM orders WHERE customer_id = other_column",
        "SELECT * FROM orders WHERE customer_id IN (SELECT 1)",
        "SELECT * FROM orders WHERE customer_id IN (1, x)",
        "SELECT * FROM orders WHERE customer_id = ANY($1)",
        "SELECT * FROM orders WHERE customer_id = 1 OR status = 'x'",
        "SELECT * FROM orders WHERE status = 'x' AND customer_id = 1 OR y = 2",
        "SELECT * FROM orders WHERE (customer_id = 1 OR customer_id = 2) AND x = 1",
        "SELECT * FROM orders WHERE NOT customer_id = 1",
        "SELECT * FROM orders WHERE customer_id <> 1",
        "SELECT * FROM orders WHERE customer_id > 1",
        "SELECT * FROM orders WHERE customer_id = 1 + 1",
        "SELECT * FROM orders WHERE customer_id = 1 IS TRUE",
        "SELECT * FROM events WHERE tenant = 'a' COLLATE \"C\"",
        "SELECT * FROM events WHERE tenant = 'abc'::varchar(2)",
        "SELECT * FROM events WHERE tenant = 'abc'::char",
        "SELECT * FROM orders WHERE x BETWEEN 1 AND customer_id = 5",
        "SELECT * FROM orders WHERE CASE WHEN a AND customer_id = 5 AND b THEN true END",
        "SELECT * FROM orders WHERE customer_id = 1 UNION SELECT * FROM orders WHERE customer_id = 2",
        "WITH x AS (SELECT 1) SELECT * FROM orders WHERE customer_id = 1",
        "SELECT * FROM (SELECT * FROM orders) o WHERE customer_id = 1",
        "SELECT * FROM orders, generate_series(1, 2) g WHERE customer_id = 1",
        "SELECT * FROM orders WHERE id IN (SELECT id FROM x WHERE customer_id = 1)",
        "DELETE FROM orders WHERE CURRENT OF c",
        "INSERT INTO orders SELECT * FROM o2 WHERE customer_id = 1",
    ]

    @Test(arguments: unusable)
    func predicatesThatDoNotBoundEveryRowAreIgnored(_ sql: String) {
        #expect(self.predicates(sql).isEmpty)
    }

    @Test func severalKeyConjunctsAreAllRecorded() {
        #expect(
            self.predicates("SELECT * FROM orders WHERE customer_id = 1 AND customer_id IN (1, 2)") == [
                KeyPredicate(column: "customer_id", values: [.integer(1)]),
                KeyPredicate(column: "customer_id", values: [.integer(1), .integer(2)]),
            ])
    }

    static let inserts: [(String, [KeyValue?])] = [
        ("INSERT INTO orders (customer_id, total) VALUES (1, 2)", [.integer(1)]),
        (
            "INSERT INTO orders (total, customer_id) VALUES (1, 2), (3, $1), (4, '5')",
            [.integer(2), .parameter(1), .string("5")]
        ),
        ("INSERT INTO orders (customer_id) VALUES (DEFAULT)", [nil]),
        ("INSERT INTO orders (customer_id) VALUES (1 + 1), (-3)", [nil, .integer(-3)]),
        ("INSERT INTO orders (customer_id, x) VALUES (f(1, 2), 3), (4, g(5, 6))", [nil, .integer(4)]),
        ("INSERT INTO orders (customer_id) OVERRIDING SYSTEM VALUE VALUES (5)", [.integer(5)]),
        ("INSERT INTO orders AS o (customer_id) VALUES ($7) RETURNING *", [.parameter(7)]),
        ("INSERT INTO orders (a, b) VALUES (1, 2), (3)", []),
    ]

    @Test(arguments: inserts)
    func insertedRows(_ sql: String, _ expected: [KeyValue?]) {
        let facts = statement(sql, shardKeyColumns: Self.keys).shardKeys
        if expected.isEmpty {
            #expect(facts.insertedColumns.isEmpty)
        } else {
            #expect(facts.insertedColumns == [InsertedKeyColumn(column: "customer_id", values: expected)])
            #expect(facts.insertedRowCount == expected.count)
        }
    }

    @Test func insertsWithoutColumnListOrValuesHaveNoKeys() {
        for sql in [
            "INSERT INTO orders VALUES (1, 2)", "INSERT INTO orders (customer_id) SELECT 1",
            "INSERT INTO orders DEFAULT VALUES",
        ] {
            #expect(statement(sql, shardKeyColumns: Self.keys).shardKeys.insertedColumns.isEmpty, "\(sql)")
        }
    }

    @Test func multiRowInsertWithMissingKeyValueIsRecordedAsNil() {
        let facts = statement("INSERT INTO orders (total, customer_id) VALUES (1, 2), (3)", shardKeyColumns: Self.keys)
            .shardKeys
        #expect(facts.insertedColumns == [InsertedKeyColumn(column: "customer_id", values: [.integer(2), nil])])
    }

    static let assignments: [(String, [String])] = [
        ("UPDATE orders SET customer_id = 8 WHERE customer_id = 7", ["customer_id"]),
        ("UPDATE orders SET total = 1, customer_id = 2", ["customer_id"]),
        ("UPDATE orders SET (total, customer_id) = (1, 2) WHERE id = 1", ["customer_id"]),
        ("UPDATE orders SET total = (SELECT customer_id FROM x) WHERE id = 1", []),
        ("UPDATE orders SET total = 1 FROM x WHERE x.customer_id = 1", []),
        (
            "INSERT INTO orders (customer_id) VALUES (5) ON CONFLICT (id) DO UPDATE SET customer_id = excluded.customer_id",
            ["customer_id"]
        ),
        ("MERGE INTO orders USING s ON true WHEN MATCHED THEN UPDATE SET customer_id = 1", ["customer_id"]),
    ]

    @Test(arguments: assignments)
    func assignedKeyColumns(_ sql: String, _ expected: [String]) {
        #expect(statement(sql, shardKeyColumns: Self.keys).shardKeys.assignedColumns == expected)
    }

    @Test func withoutShardKeyColumnsNothingIsCollected() {
        let facts = statement("SELECT * FROM orders WHERE customer_id = 1").shardKeys
        #expect(facts.isEmpty)
        #expect(statement("INSERT INTO orders (customer_id) VALUES (1)").shardKeys.isEmpty)
    }
}
