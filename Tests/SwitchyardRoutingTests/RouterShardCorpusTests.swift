// RouterShardCorpusTests: shard choice from keys, hints and statement kinds; keyless errors.

import SwitchyardRouting
import SwitchyardSQL
import Testing

/// Expected shards of pg_hash groups are PostgreSQL 15's own hash-partition placements for the
/// key (captured with benchmarks/classifier-pghash-check.sh: MODULUS 2 for `orders`, 7 for
/// `metrics`, 3 for `events`); `ledger` uses modulo, computed by hand.
@Suite struct RouterShardCorpusTests {
    static let featureNotSupported = RoutingError.Code.featureNotSupported
    static let invalidParameterValue = RoutingError.Code.invalidParameterValue

    static func one(
        _ sql: String, _ target: ShardTarget, _ kind: RouteDecision.Kind = .read, tables: [String] = ["orders"],
        reason: String = "plain SELECT"
    ) -> RouteCase {
        .decision(
            sql, kind, kind == .read ? .replica : .primary, cluster: target.cluster, shards: .one(target),
            tables: tables, reason: reason)
    }

    static func several(
        _ sql: String, _ targets: [ShardTarget], _ kind: RouteDecision.Kind = .read, tables: [String] = ["orders"],
        reason: String = "plain SELECT"
    ) -> RouteCase {
        .decision(
            sql, kind, kind == .read ? .replica : .primary, cluster: nil, shards: .several(targets),
            tables: tables, reason: reason)
    }

    static let allOrders = [Shard.orders(0), Shard.orders(1)]
    static let allEvents = (0..<3).map(Shard.events)

    /// (customer_id, shard) from PostgreSQL 15, MODULUS 2.
    static let orderPlacements: [(String, Int)] = [
        ("0", 0), ("1", 0), ("-1", 1), ("2", 0), ("3", 1), ("6", 1), ("9", 1), ("14", 0), ("15", 1), ("-16", 1),
        ("-8", 1), ("-2", 0), ("42", 0), ("100", 1), ("116", 1), ("9223372036854775807", 0),
        ("4294967296", 0), ("-4294967296", 0),
    ]

    /// (device_id, shard) from PostgreSQL 15, MODULUS 7.
    static let metricPlacements: [(String, Int)] = [
        ("0", 4), ("1", 5), ("-1", 0), ("2", 6), ("3", 6), ("-3", 3), ("-4", 6), ("17", 2), ("24", 1), ("42", 0),
        ("48", 3), ("89", 3), ("100", 4), ("-16", 2), ("9223372036854775807", 3),
    ]

    /// (tenant, shard) from PostgreSQL 15, MODULUS 3.
    static let eventPlacements: [(String, Int)] = [
        ("", 2), ("a", 2), ("n", 0), ("VGQ", 0), ("cab", 0), ("77", 0), ("x", 1), ("ka", 1), ("anG", 1), ("M", 1),
        ("customer-1", 1), ("é", 1), ("日本語", 0), ("J", 2), ("k1ceB", 2), ("u0UW7", 2),
    ]

    static let keyed: [RouteCase] =
        orderPlacements.map { one("SELECT * FROM orders WHERE customer_id = \($0.0)", Shard.orders($0.1)) }
        + orderPlacements.map {
            one("DELETE FROM orders WHERE customer_id = '\($0.0)'", Shard.orders($0.1), .write, reason: "DELETE")
        }
        + orderPlacements.prefix(8).map {
            one(
                "INSERT INTO orders (customer_id, total) VALUES (\($0.0), 10)", Shard.orders($0.1), .write,
                reason: "INSERT")
        }
        + metricPlacements.map {
            one("SELECT avg(v) FROM metrics WHERE device_id = \($0.0)", Shard.metrics($0.1), tables: ["metrics"])
        }
        + eventPlacements.map {
            one("SELECT * FROM events WHERE tenant = '\($0.0)'", Shard.events($0.1), tables: ["events"])
        }
        + eventPlacements.prefix(6).map {
            one(
                "UPDATE events SET seen = true WHERE tenant = $$\($0.0)$$", Shard.events($0.1), .write,
                tables: ["events"],
                reason: "UPDATE")
        }
        + [("7", 1), ("-7", 2), ("0", 0), ("-1", 2), ("9", 0), ("-9223372036854775808", 1), ("'5'", 2)].map {
            one("SELECT * FROM ledger WHERE account_id = \($0.0)", Shard.ledger($0.1), tables: ["ledger"])
        }

    static let variants: [RouteCase] = [
        one("SELECT * FROM orders WHERE customer_id = 3 AND status = 'open'", Shard.orders(1)),
        one("SELECT * FROM orders WHERE status = 'open' AND customer_id = 3 ORDER BY id LIMIT 10", Shard.orders(1)),
        one("SELECT * FROM orders WHERE (customer_id = 3)", Shard.orders(1)),
        one("SELECT * FROM orders WHERE 3 = customer_id", Shard.orders(1)),
        one("SELECT * FROM orders o WHERE o.customer_id = 3", Shard.orders(1)),
        one("SELECT * FROM public.orders WHERE orders.customer_id = 3", Shard.orders(1), tables: ["public.orders"]),
        one("SELECT * FROM orders WHERE customer_id = '3'::bigint", Shard.orders(1)),
        one("SELECT * FROM orders WHERE customer_id = 3 AND (a = 1 OR b = 2)", Shard.orders(1)),
        one("SELECT * FROM orders WHERE customer_id IN (3, 6, 9)", Shard.orders(1)),
        one("SELECT * FROM orders WHERE customer_id IN (0, 1, 42)", Shard.orders(0)),
        several("SELECT * FROM orders WHERE customer_id IN (0, 3)", allOrders),
        one("SELECT * FROM orders WHERE customer_id = 3 AND customer_id IN (1, 3)", Shard.orders(1)),
        one("SELECT * FROM orders WHERE customer_id = 3 FOR UPDATE", Shard.orders(1), .write, reason: "locking clause"),
        one(
            "SELECT o.*, i.* FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.customer_id = 3",
            Shard.orders(1), tables: ["orders", "order_items"]),
        one(
            "SELECT * FROM orders o JOIN order_items i USING (order_id) WHERE i.customer_id = -1",
            Shard.orders(1), tables: ["orders", "order_items"]),
        one("SELECT * FROM order_items WHERE customer_id = 0", Shard.orders(0), tables: ["order_items"]),
        one("UPDATE orders SET total = total + 1 WHERE customer_id = 6", Shard.orders(1), .write, reason: "UPDATE"),
        one(
            "UPDATE orders o SET total = 0 FROM order_items i WHERE o.customer_id = 6 AND i.order_id = o.id",
            Shard.orders(1), .write, tables: ["orders", "order_items"], reason: "UPDATE"),
        one("DELETE FROM orders WHERE customer_id = 1 RETURNING id", Shard.orders(0), .write, reason: "DELETE"),
        one(
            "INSERT INTO orders (total, customer_id) VALUES (1, 3), (2, 6), (3, 9)", Shard.orders(1), .write,
            reason: "INSERT"),
        several("INSERT INTO orders (customer_id) VALUES (0), (3)", allOrders, .write, reason: "INSERT"),
        several("INSERT INTO orders (customer_id) VALUES (3), (0), (6)", allOrders, .write, reason: "INSERT"),
        one(
            "INSERT INTO orders (customer_id, total) VALUES ('3', 1) ON CONFLICT (id) DO UPDATE SET total = 2",
            Shard.orders(1), .write, reason: "INSERT"),
        one(
            "INSERT INTO events (tenant, body) VALUES (E'\\x61', 'hello')", Shard.events(2), .write, tables: ["events"],
            reason: "INSERT"),
        one("SELECT * FROM events WHERE tenant = U&'\\0061'", Shard.events(2), tables: ["events"]),
        one("SELECT * FROM events WHERE tenant = 'customer-' || '1'", Shard.events(0), tables: ["events"])
            .replacingExpected(
                with: .success(
                    RouteDecision(
                        database: "app", kind: .read, target: .replica, cluster: nil,
                        shards: .several(allEvents), tables: ["events"], reason: "plain SELECT"))),
        one("SELECT * FROM events WHERE tenant = 42", Shard.events(0), tables: ["events"]).replacingExpected(
            with: .success(
                RouteDecision(
                    database: "app", kind: .read, target: .replica, cluster: nil,
                    shards: .several(allEvents), tables: ["events"], reason: "plain SELECT"))),
        one("EXPLAIN SELECT * FROM orders WHERE customer_id = 3", Shard.orders(1), reason: "EXPLAIN"),
        one(
            "EXPLAIN ANALYZE UPDATE orders SET x = 1 WHERE customer_id = 3", Shard.orders(1), .write,
            reason: "EXPLAIN ANALYZE UPDATE"),
        one(
            "SELECT * FROM metrics WHERE device_id = 42 AND ts > now() - interval '1 hour'", Shard.metrics(0),
            tables: ["metrics"]),
        one("SELECT * FROM ledger WHERE account_id IN (3, 6, -3)", Shard.ledger(0), tables: ["ledger"]),
        several(
            "SELECT * FROM ledger WHERE account_id IN (1, 2)", [Shard.ledger(1), Shard.ledger(2)], tables: ["ledger"]),
        one(
            "SELECT * FROM orders WHERE customer_id = 3; SELECT * FROM order_items WHERE customer_id = 6",
            Shard.orders(1),
            tables: ["orders", "order_items"]),
        several("SELECT * FROM orders WHERE customer_id = 3; SELECT * FROM orders WHERE customer_id = 0", allOrders),
        several(
            "INSERT INTO orders (customer_id) VALUES (3); INSERT INTO orders (customer_id) VALUES (0)", allOrders,
            .write,
            reason: "INSERT"),
    ]

    static let fanOut: [RouteCase] = [
        several("SELECT * FROM orders", allOrders),
        several("SELECT count(*) FROM orders", allOrders),
        several("SELECT * FROM orders ORDER BY created_at DESC LIMIT 10", allOrders),
        several("SELECT * FROM orders WHERE customer_id = 1 OR customer_id = 3", allOrders),
        several("SELECT * FROM orders WHERE customer_id > 5", allOrders),
        several("SELECT * FROM orders WHERE customer_id <> 5", allOrders),
        several("SELECT * FROM orders WHERE NOT customer_id = 5", allOrders),
        several("SELECT * FROM orders WHERE customer_id = ANY('{1,2}')", allOrders),
        several("SELECT * FROM orders WHERE customer_id = 1 + 2", allOrders),
        several("SELECT * FROM orders WHERE customer_id = 5.0", allOrders),
        several("SELECT * FROM orders WHERE customer_id = 'abc'", allOrders),
        several(
            "SELECT * FROM orders WHERE customer_id IN (SELECT id FROM order_items)", allOrders,
            tables: ["orders", "order_items"]),
        several(
            "SELECT * FROM orders WHERE customer_id = 1 UNION ALL SELECT * FROM orders WHERE customer_id = 1", allOrders
        ),
        several("WITH o AS (SELECT * FROM orders) SELECT * FROM o WHERE customer_id = 1", allOrders),
        several("SELECT * FROM (SELECT * FROM orders) o WHERE customer_id = 1", allOrders),
        several(
            "SELECT * FROM orders o JOIN order_items i ON true WHERE x.customer_id = 1", allOrders,
            tables: ["orders", "order_items"]),
        several(
            "SELECT * FROM orders WHERE id IN (SELECT order_id FROM order_items WHERE customer_id = 1)", allOrders,
            tables: ["orders", "order_items"]),
        several("SELECT * FROM events", allEvents, tables: ["events"]),
        several("SELECT * FROM metrics", (0..<7).map(Shard.metrics), tables: ["metrics"]),
        several("EXPLAIN DELETE FROM orders", allOrders, reason: "EXPLAIN"),
        several("COPY orders TO STDOUT", allOrders, reason: "COPY TO STDOUT"),
        several("TABLE orders", allOrders, reason: "TABLE"),
    ]

    static let everyShardDDL: [RouteCase] = [
        several("CREATE TABLE orders (id bigint, customer_id bigint)", allOrders, .write, reason: "CREATE TABLE"),
        several("CREATE INDEX ON orders (created_at)", allOrders, .write, reason: "CREATE INDEX"),
        several(
            "CREATE UNIQUE INDEX CONCURRENTLY orders_ref ON orders (ref)", allOrders, .write, reason: "CREATE INDEX"),
        several("ALTER TABLE orders ADD COLUMN note text", allOrders, .write, reason: "ALTER TABLE"),
        several(
            "ALTER TABLE order_items ADD FOREIGN KEY (order_id) REFERENCES orders (id)", allOrders, .write,
            tables: ["order_items", "orders"], reason: "ALTER TABLE"),
        several("DROP TABLE orders", allOrders, .write, reason: "DROP TABLE"),
        several(
            "TRUNCATE orders, order_items", allOrders, .write, tables: ["orders", "order_items"], reason: "TRUNCATE"),
        several("VACUUM orders", allOrders, .write, reason: "VACUUM"),
        several("ANALYZE orders", allOrders, .write, reason: "ANALYZE"),
        several("LOCK TABLE orders IN SHARE MODE", allOrders, .write, reason: "LOCK"),
        several("GRANT SELECT ON orders TO reader", allOrders, .write, reason: "GRANT"),
        several("COMMENT ON TABLE events IS 'x'", allEvents, .write, tables: ["events"], reason: "COMMENT"),
        several(
            "CREATE TABLE events (tenant text, body text)", allEvents, .write, tables: ["events"],
            reason: "CREATE TABLE"),
    ]

    static let keylessWrites: [RouteCase] = [
        .failure(
            "DELETE FROM orders", featureNotSupported, #"sharded write on "orders" needs the shard key "customer_id""#),
        .failure(
            "UPDATE orders SET total = 0 WHERE id = 7", featureNotSupported,
            #"sharded write on "orders" needs the shard key "customer_id""#),
        .failure(
            "DELETE FROM orders WHERE customer_id = 1 OR customer_id = 2", featureNotSupported,
            #"sharded write on "orders" needs the shard key "customer_id""#),
        .failure(
            "DELETE FROM orders WHERE customer_id > 1", featureNotSupported,
            #"sharded write on "orders" needs the shard key "customer_id""#),
        .failure(
            "INSERT INTO orders VALUES (1, 2)", featureNotSupported,
            #"sharded write on "orders" needs the shard key "customer_id""#),
        .failure(
            "INSERT INTO orders (total) VALUES (1)", featureNotSupported,
            #"sharded write on "orders" needs the shard key "customer_id""#),
        .failure(
            "INSERT INTO orders (customer_id) VALUES (1), (DEFAULT)", featureNotSupported,
            #"sharded write on "orders" needs the shard key "customer_id""#),
        .failure(
            "INSERT INTO orders (customer_id) SELECT 1", featureNotSupported,
            #"sharded write on "orders" needs the shard key "customer_id""#),
        .failure(
            "INSERT INTO orders (customer_id) VALUES ('abc')", featureNotSupported,
            #"sharded write on "orders" needs the shard key "customer_id""#),
        .failure(
            "COPY orders FROM STDIN", featureNotSupported,
            #"sharded write on "orders" needs the shard key "customer_id""#),
        .failure(
            "MERGE INTO orders USING staging s ON true WHEN MATCHED THEN DELETE", featureNotSupported,
            #"cannot join "orders" (clusters shard0, shard1) with "staging" (cluster main)"#),
        .failure(
            "SELECT * FROM orders FOR UPDATE", featureNotSupported,
            #"sharded write on "orders" needs the shard key "customer_id""#),
        .failure(
            "SELECT nextval('s') FROM orders", featureNotSupported,
            #"sharded write on "orders" needs the shard key "customer_id""#),
        .failure(
            "DELETE FROM order_items", featureNotSupported,
            #"sharded write on "order_items" needs the shard key "customer_id""#),
        .failure(
            "UPDATE events SET x = 1", featureNotSupported, #"sharded write on "events" needs the shard key "tenant""#),
        .failure(
            "DELETE FROM orders o USING order_items i WHERE i.customer_id = 1 AND z.customer_id = 2 OR true",
            featureNotSupported, #"sharded write on "orders" needs the shard key "customer_id""#),
        .failure(
            "UPDATE orders SET customer_id = 4 WHERE customer_id = 3", featureNotSupported,
            #"cannot update the shard key "customer_id" of sharded table "orders""#),
        .failure(
            "UPDATE orders SET (customer_id, total) = (4, 0) WHERE customer_id = 3", featureNotSupported,
            #"cannot update the shard key "customer_id" of sharded table "orders""#),
        .failure(
            "INSERT INTO orders (customer_id) VALUES (3) ON CONFLICT (id) DO UPDATE SET customer_id = 9",
            featureNotSupported,
            #"cannot update the shard key "customer_id" of sharded table "orders""#),
        .failure(
            "EXPLAIN ANALYZE DELETE FROM orders", featureNotSupported,
            #"sharded write on "orders" needs the shard key "customer_id""#),
    ]

    static let hinted: [RouteCase] = [
        one("/* switchyard: shard=1 */ SELECT * FROM orders", Shard.orders(1)),
        one("/* switchyard: shard=0 */ DELETE FROM orders", Shard.orders(0), .write, reason: "DELETE"),
        one("/* switchyard: shard=1 */ SELECT * FROM orders WHERE customer_id = 0", Shard.orders(1)),
        one("/* switchyard: shard_key=3 */ DELETE FROM orders", Shard.orders(1), .write, reason: "DELETE"),
        one("/* switchyard: shard_key=-1 */ SELECT * FROM orders", Shard.orders(1)),
        one("/* switchyard: shard_key=customer-1 */ SELECT * FROM events", Shard.events(1), tables: ["events"]),
        one(
            "/* switchyard: shard_key='a' */ UPDATE events SET x = 1", Shard.events(2), .write, tables: ["events"],
            reason: "UPDATE"),
        several("/* switchyard: all_shards */ DELETE FROM orders", allOrders, .write, reason: "DELETE"),
        several("/* switchyard: all_shards */ UPDATE orders SET flag = false", allOrders, .write, reason: "UPDATE"),
        several("/* switchyard: all_shards */ SELECT * FROM orders WHERE customer_id = 3", allOrders),
        one("/* switchyard: cluster=shard1 */ SELECT * FROM orders", Shard.orders(1)),
        one("/* switchyard: cluster=shard0 */ DELETE FROM orders", Shard.orders(0), .write, reason: "DELETE"),
        .decision(
            "/* switchyard: cluster=main */ SELECT * FROM orders", .read, .replica, cluster: "main",
            tables: ["orders"], reason: "plain SELECT"),
        one("/* switchyard: shard=1 */ SELECT 1", Shard.orders(1), tables: []),
        one("/* switchyard: shard=1, primary */ SELECT * FROM orders", Shard.orders(1)).replacingExpected(
            with: .success(
                RouteDecision(
                    database: "app", kind: .read, target: .primary, cluster: "shard1",
                    shards: .one(Shard.orders(1)), tables: ["orders"], reason: "hint primary"))),
        .failure(
            "/* switchyard: shard=2 */ SELECT * FROM orders", invalidParameterValue,
            #"shard 2 does not exist: "orders" has 2 shards"#),
        .failure(
            "/* switchyard: shard_key=abc */ SELECT * FROM orders", invalidParameterValue,
            #"invalid shard_key "abc" for bigint shard key "customer_id""#),
        .failure(
            "/* switchyard: shard=1 */ SELECT * FROM orders JOIN events ON true", featureNotSupported,
            #"cannot join "orders" (cluster shard1) with "events" (cluster ev1)"#),
        one(
            "/* switchyard: all_shards */ SELECT * FROM orders o JOIN order_items i USING (id)", Shard.orders(0),
            tables: ["orders", "order_items"]
        ).replacingExpected(
            with: .success(
                RouteDecision(
                    database: "app", kind: .read, target: .replica, cluster: nil,
                    shards: .several(allOrders), tables: ["orders", "order_items"], reason: "plain SELECT"))),
    ]

    static let sessionShard: [RouteCase] = [
        one("SELECT * FROM orders", Shard.orders(1)).with(overrides: SessionOverrides(shard: 1)),
        one("DELETE FROM orders", Shard.orders(0), .write, reason: "DELETE").with(
            overrides: SessionOverrides(shard: 0)),
        one("/* switchyard: shard=0 */ SELECT * FROM orders", Shard.orders(0)).with(
            overrides: SessionOverrides(shard: 1)),
        one("SELECT * FROM orders", Shard.orders(1)).with(overrides: SessionOverrides(cluster: "shard1")),
        RouteCase(
            sql: "SELECT * FROM orders", overrides: SessionOverrides(shard: 9),
            expected: .failure(
                RoutingError(
                    sqlState: invalidParameterValue, message: #"shard 9 does not exist: "orders" has 2 shards"#))),
    ]

    @Test(arguments: keyed + variants + fanOut + everyShardDDL + keylessWrites + hinted + sessionShard)
    func decision(_ testCase: RouteCase) {
        #expect(testCase.decide() == testCase.expected)
    }

    static let parameterized: [(String, RouteDecision.Kind, [KeyValue], ShardGroup, String, [String], String)] = [
        (
            "SELECT * FROM orders WHERE customer_id = $1", .read, [.parameter(1)], Fixtures.orders, "orders",
            ["orders"], "plain SELECT"
        ),
        (
            "SELECT * FROM orders WHERE customer_id IN ($1, 3)", .read, [.parameter(1), .integer(3)], Fixtures.orders,
            "orders",
            ["orders"], "plain SELECT"
        ),
        (
            "UPDATE orders SET total = $1 WHERE customer_id = $2", .write, [.parameter(2)], Fixtures.orders, "orders",
            ["orders"],
            "UPDATE"
        ),
        (
            "INSERT INTO orders (customer_id, total) VALUES ($1, $2), ($3, $4)", .write,
            [.parameter(1), .parameter(3)],
            Fixtures.orders, "orders", ["orders"], "INSERT"
        ),
        (
            "SELECT * FROM events WHERE tenant = $1::text", .read, [.parameter(1)], Fixtures.events, "events",
            ["events"],
            "plain SELECT"
        ),
        (
            "DELETE FROM metrics WHERE device_id = $1", .write, [.parameter(1)], Fixtures.metrics, "metrics",
            ["metrics"], "DELETE"
        ),
    ]

    /// A key from `$n` is known only at Bind: the decision waits (cluster and shards unknown).
    @Test(arguments: parameterized)
    func parameterKeysWaitForBind(
        _ sql: String, _ kind: RouteDecision.Kind, _ values: [KeyValue], _ group: ShardGroup, _ table: String,
        _ tables: [String], _ reason: String
    ) {
        let expected = RouteDecision(
            database: "app", kind: kind, target: kind == .read ? .replica : .primary, cluster: nil,
            shards: .pending(PendingShards(group: group, table: table, values: values, isWrite: kind == .write)),
            tables: tables, reason: reason)
        #expect(Fixtures.router.decide(sql: sql, database: "app") == .success(expected))
    }
}

extension RouteCase {
    func replacingExpected(with expected: Result<RouteDecision, RoutingError>) -> RouteCase {
        var copy = self
        copy.expected = expected
        return copy
    }
}
