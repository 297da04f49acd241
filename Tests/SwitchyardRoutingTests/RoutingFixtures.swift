// RoutingFixtures: the routing table the router tests run against, and case builders.

import SwitchyardRouting
import SwitchyardSQL
import Testing

/// Databases of the tests:
///
/// - `app`: default cluster `main`, replicas used for reads; write functions `audit_*` and
///   `billing.charge`; table groups `orders`/`order_items` (bigint `customer_id`, pg_hash, 2
///   shards `shard0`/`shard1`), `events` (text `tenant`, pg_hash, 3 shards `ev0`..`ev2`),
///   `metrics` (bigint `device_id`, pg_hash, 7 shards `m0`..`m6`), `ledger` (bigint
///   `account_id`, modulo, 3 shards `l0`..`l2`); routes `auth_*`/`django_session` to `users`,
///   `archive.*` and `orders_archive` to `archive`, `"Legacy"` to `legacy`, `report_??` to
///   `reports`.
/// - `solo`: default cluster `solo`, `read_write_split = false`.
enum Fixtures {
    static func pattern(_ text: String) -> NamePattern {
        guard let pattern = NamePattern(text) else { preconditionFailure("bad test pattern \(text)") }
        return pattern
    }

    static let orders = ShardGroup(
        tables: [pattern("orders"), pattern("order_items")], key: "customer_id", keyType: .bigint, function: .pgHash,
        clusters: ["shard0", "shard1"])
    static let events = ShardGroup(
        tables: [pattern("events")], key: "tenant", keyType: .text, function: .pgHash, clusters: ["ev0", "ev1", "ev2"])
    static let metrics = ShardGroup(
        tables: [pattern("metrics")], key: "device_id", keyType: .bigint, function: .pgHash,
        clusters: (0..<7).map { "m\($0)" })
    static let ledger = ShardGroup(
        tables: [pattern("ledger")], key: "account_id", keyType: .bigint, function: .modulo,
        clusters: ["l0", "l1", "l2"])

    static let table = RoutingTable(
        databases: [
            DatabaseRouting(
                name: "app", defaultCluster: "main", readWriteSplit: true,
                writeFunctions: [pattern("audit_*"), pattern("billing.charge")],
                shardGroups: [orders, events, metrics, ledger],
                routes: [
                    TableRoute(tables: [pattern("auth_*"), pattern("django_session")], cluster: "users"),
                    TableRoute(tables: [pattern("archive.*"), pattern("orders_archive")], cluster: "archive"),
                    TableRoute(tables: [pattern("\"Legacy\"")], cluster: "legacy"),
                    TableRoute(tables: [pattern("report_??")], cluster: "reports"),
                ]),
            DatabaseRouting(name: "solo", defaultCluster: "solo", readWriteSplit: false),
        ],
        clusters: ["spare"])

    static let router = Router(table: table)
}

/// One routing case: SQL, the session it runs in, and the whole expected decision.
struct RouteCase: Sendable, CustomTestStringConvertible {
    var sql: String
    var database = "app"
    var overrides = SessionOverrides()
    var transaction = RoutingContext.TransactionState.none
    var expected: Result<RouteDecision, RoutingError>

    var testDescription: String { self.sql }

    var context: RoutingContext {
        RoutingContext(database: self.database, overrides: self.overrides, transaction: self.transaction)
    }

    func decide() -> Result<RouteDecision, RoutingError> {
        var analyzer = SQLAnalyzer(options: Fixtures.table.analyzerOptions())
        return Fixtures.router.decide(analyzer.analyze(self.sql), context: self.context)
    }

    // MARK: - Builders

    static func decision(
        _ sql: String, _ kind: RouteDecision.Kind, _ target: RouteDecision.Target, cluster: String?,
        shards: ShardRoute = .unsharded, tables: [String] = [], reason: String, database: String = "app"
    ) -> RouteCase {
        RouteCase(
            sql: sql, database: database,
            expected: .success(
                RouteDecision(
                    database: database, kind: kind, target: target, cluster: cluster, shards: shards, tables: tables,
                    reason: reason)))
    }

    static func read(
        _ sql: String, cluster: String = "main", tables: [String] = [], reason: String = "plain SELECT"
    ) -> RouteCase {
        .decision(sql, .read, .replica, cluster: cluster, tables: tables, reason: reason)
    }

    static func write(_ sql: String, cluster: String = "main", tables: [String] = [], reason: String) -> RouteCase {
        .decision(sql, .write, .primary, cluster: cluster, tables: tables, reason: reason)
    }

    static func failure(_ sql: String, _ sqlState: String, _ message: String) -> RouteCase {
        RouteCase(sql: sql, expected: .failure(RoutingError(sqlState: sqlState, message: message)))
    }

    func with(overrides: SessionOverrides) -> RouteCase {
        var copy = self
        copy.overrides = overrides
        return copy
    }

    func with(transaction: RoutingContext.TransactionState) -> RouteCase {
        var copy = self
        copy.transaction = transaction
        return copy
    }
}

/// Shard targets of the fixture groups.
enum Shard {
    static func orders(_ index: Int) -> ShardTarget { ShardTarget(index: index, cluster: "shard\(index)") }
    static func events(_ index: Int) -> ShardTarget { ShardTarget(index: index, cluster: "ev\(index)") }
    static func metrics(_ index: Int) -> ShardTarget { ShardTarget(index: index, cluster: "m\(index)") }
    static func ledger(_ index: Int) -> ShardTarget { ShardTarget(index: index, cluster: "l\(index)") }
}
