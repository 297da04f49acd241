// StatsJSON: the `/stats` document, with SPEC §7's field names, rendered from a snapshot.

/// Renders `GET /stats`.
///
/// SPEC §7 fixes `version`, `uptime_s`, `config`, `clients`, `clusters` (with their `servers`) and
/// `totals`; the rest is added here for the dashboard and for scripts: `paused` and
/// `query_duration` per cluster, `pools`, `reads_on_primary` and an overall `query_duration`.
/// The client list is left out so that the document stays small with thousands of clients.
package enum StatsJSON {
    /// The `/stats` body.
    package static func render(_ snapshot: StatsSnapshot, pretty: Bool = true) -> String {
        self.document(snapshot).rendered(pretty: pretty)
    }

    /// The `/stats` document as a value, for callers that embed or inspect it.
    package static func document(_ snapshot: StatsSnapshot) -> JSONValue {
        .object([
            JSONMember("version", .string(snapshot.version)),
            JSONMember("uptime_s", .int(snapshot.uptimeSeconds)),
            JSONMember(
                "config",
                .object([
                    JSONMember("path", .string(snapshot.config.path)),
                    JSONMember("loaded_at", .int(snapshot.config.loadedAt)),
                    JSONMember("reloads", .int(snapshot.config.reloads)),
                    JSONMember("reload_failures", .int(snapshot.config.reloadFailures)),
                ])
            ),
            JSONMember(
                "clients",
                .object([
                    JSONMember("connected", .int(snapshot.clients.connected)),
                    JSONMember("waiting", .int(snapshot.clients.waiting)),
                    JSONMember("pinned", .int(snapshot.clients.pinned)),
                ])
            ),
            JSONMember("clusters", .array(snapshot.clusters.map(Self.cluster))),
            JSONMember("pools", .array(snapshot.pools.map(Self.pool))),
            JSONMember(
                "totals",
                .object([
                    JSONMember("queries", .int(snapshot.totals.queries)),
                    JSONMember("reads", .int(snapshot.totals.reads)),
                    JSONMember("writes", .int(snapshot.totals.writes)),
                    JSONMember("errors", .int(snapshot.totals.errors)),
                    JSONMember("routing_errors", .int(snapshot.totals.routingErrors)),
                ])
            ),
            JSONMember(
                "reads_on_primary",
                .object(snapshot.sortedReadsOnPrimary.map { JSONMember($0.reason, .int($0.count)) })
            ),
            JSONMember("query_duration", Self.histogram(snapshot.queryDuration)),
        ])
    }

    private static func cluster(_ cluster: ClusterStats) -> JSONValue {
        .object([
            JSONMember("name", .string(cluster.name)),
            JSONMember("primary", .string(cluster.primary)),
            JSONMember("paused", .bool(cluster.isPaused)),
            JSONMember("servers", .array(cluster.servers.map(Self.server))),
            JSONMember("query_duration", Self.histogram(cluster.queryDuration)),
        ])
    }

    private static func server(_ server: ServerStats) -> JSONValue {
        .object([
            JSONMember("host", .string(server.host)),
            JSONMember("port", .int(server.port)),
            JSONMember("role", .string(server.role.rawValue)),
            JSONMember("state", .string(server.state.rawValue)),
            JSONMember("lag_bytes", .int(server.lagBytes)),
            JSONMember(
                "connections",
                .object([
                    JSONMember("active", .int(server.connections.active)),
                    JSONMember("idle", .int(server.connections.idle)),
                ])
            ),
            JSONMember("queries", .int(server.queries)),
            JSONMember("reads", .int(server.reads)),
            JSONMember("writes", .int(server.writes)),
            JSONMember("errors", .int(server.errors)),
        ])
    }

    private static func pool(_ pool: PoolStats) -> JSONValue {
        .object([
            JSONMember("cluster", .string(pool.cluster)),
            JSONMember("server", .string(pool.server)),
            JSONMember("user", .string(pool.user)),
            JSONMember("database", .string(pool.database)),
            JSONMember("active", .int(pool.active)),
            JSONMember("idle", .int(pool.idle)),
            JSONMember("waiting", .int(pool.waiting)),
            JSONMember("max_size", .int(pool.maxSize)),
        ])
    }

    /// `le`: bucket bounds in seconds; `counts[i]`: statements that took at most `le[i]` seconds
    /// (cumulative, as in Prometheus); `count` and `sum` (seconds) cover every statement.
    private static func histogram(_ histogram: DurationHistogram) -> JSONValue {
        let cumulative = histogram.cumulativeCounts
        return .object([
            JSONMember("le", .array(DurationHistogram.boundsSeconds.map { .double($0) })),
            JSONMember("counts", .array(cumulative.dropLast().map { .int($0) })),
            JSONMember("count", .int(cumulative.last ?? 0)),
            JSONMember("sum", .double(histogram.sumSeconds)),
        ])
    }
}
