// PrometheusText: `/metrics` in the Prometheus text exposition format 0.0.4, rendered from a snapshot.

/// Renders `GET /metrics` (content type `text/plain; version=0.0.4`).
///
/// Every family has HELP and TYPE lines, every name starts with `switchyard_`, counters end in
/// `_total`, and a server is labelled `host:port` as SPEC §7 asks. We render the text ourselves
/// rather than through a metrics library: the numbers already exist as a snapshot, and the format
/// is a few lines of escaping.
/// Format: https://github.com/prometheus/docs/blob/main/content/docs/instrumenting/exposition_formats.md
package enum PrometheusText {
    /// The content type of the rendered text.
    package static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    package static func render(_ snapshot: StatsSnapshot) -> String {
        var out = ExpositionWriter()
        out.family("switchyard_build_info", .gauge, "Always 1; the version label says which Switchyard runs.")
        out.sample("switchyard_build_info", [("version", snapshot.version)], 1)
        out.family("switchyard_uptime_seconds", .gauge, "Seconds since the daemon started.")
        out.sample("switchyard_uptime_seconds", [], snapshot.uptimeSeconds)
        out.family(
            "switchyard_config_loaded_timestamp_seconds",
            .gauge,
            "When the running configuration was loaded (Unix time)."
        )
        out.sample("switchyard_config_loaded_timestamp_seconds", [], snapshot.config.loadedAt)
        out.family(
            "switchyard_config_reloads_total",
            .counter,
            "Configuration reloads by result; a failed one keeps the running configuration."
        )
        out.sample("switchyard_config_reloads_total", [("result", "success")], snapshot.config.reloads)
        out.sample("switchyard_config_reloads_total", [("result", "failure")], snapshot.config.reloadFailures)

        out.family("switchyard_client_connections", .gauge, "Connected clients.")
        out.sample("switchyard_client_connections", [], snapshot.clients.connected)
        out.family("switchyard_clients_waiting", .gauge, "Clients waiting for a server connection.")
        out.sample("switchyard_clients_waiting", [], snapshot.clients.waiting)
        out.family("switchyard_clients_pinned", .gauge, "Clients pinned to one server connection for their session.")
        out.sample("switchyard_clients_pinned", [], snapshot.clients.pinned)

        Self.renderServers(snapshot, into: &out)
        Self.renderTraffic(snapshot, into: &out)
        Self.renderPools(snapshot, into: &out)

        out.family(
            "switchyard_query_duration_seconds",
            .histogram,
            "Time from a statement's arrival to its completion."
        )
        for cluster in snapshot.clusters {
            out.histogram("switchyard_query_duration_seconds", [("cluster", cluster.name)], cluster.queryDuration)
        }
        return out.text
    }

    private static func renderServers(_ snapshot: StatsSnapshot, into out: inout ExpositionWriter) {
        out.family("switchyard_cluster_paused", .gauge, "1 while the cluster is paused (PAUSE), else 0.")
        for cluster in snapshot.clusters {
            out.sample("switchyard_cluster_paused", [("cluster", cluster.name)], cluster.isPaused ? 1 : 0)
        }
        let servers = snapshot.clusters.flatMap { cluster in cluster.servers.map { (cluster.name, $0) } }
        out.family("switchyard_server_up", .gauge, "1 while the server takes traffic; 0 when down or fenced.")
        for (cluster, server) in servers {
            let labels = [("cluster", cluster), ("server", server.address), ("role", server.role.rawValue)]
            out.sample("switchyard_server_up", labels, server.state == .up ? 1 : 0)
        }
        out.family(
            "switchyard_server_fenced",
            .gauge,
            "1 when the server is fenced (a former primary that must get no traffic)."
        )
        for (cluster, server) in servers {
            out.sample(
                "switchyard_server_fenced",
                [("cluster", cluster), ("server", server.address)],
                server.state == .fenced ? 1 : 0
            )
        }
        out.family(
            "switchyard_replica_lag_bytes",
            .gauge,
            "Replay lag of a replica behind its primary, in bytes of WAL."
        )
        for (cluster, server) in servers {
            guard let lag = server.lagBytes else { continue }
            out.sample("switchyard_replica_lag_bytes", [("cluster", cluster), ("server", server.address)], lag)
        }
        out.family(
            "switchyard_server_connections",
            .gauge,
            "Server connections: active (leased to a client) or idle (pooled)."
        )
        for (cluster, server) in servers {
            let labels = [("cluster", cluster), ("server", server.address)]
            out.sample("switchyard_server_connections", labels + [("state", "active")], server.connections.active)
            out.sample("switchyard_server_connections", labels + [("state", "idle")], server.connections.idle)
        }
    }

    private static func renderTraffic(_ snapshot: StatsSnapshot, into out: inout ExpositionWriter) {
        let servers = snapshot.clusters.flatMap { cluster in cluster.servers.map { (cluster.name, $0) } }
        out.family("switchyard_queries_total", .counter, "Statements run, by server and kind (read, write, other).")
        for (cluster, server) in servers {
            let labels = [("cluster", cluster), ("server", server.address)]
            out.sample("switchyard_queries_total", labels + [("kind", QueryKind.read.rawValue)], server.reads)
            out.sample("switchyard_queries_total", labels + [("kind", QueryKind.write.rawValue)], server.writes)
            out.sample("switchyard_queries_total", labels + [("kind", QueryKind.other.rawValue)], server.otherQueries)
        }
        out.family(
            "switchyard_errors_total",
            .counter,
            "Statements that failed on a server or lost their server connection."
        )
        for (cluster, server) in servers {
            out.sample("switchyard_errors_total", [("cluster", cluster), ("server", server.address)], server.errors)
        }
        out.family(
            "switchyard_routing_errors_total",
            .counter,
            "Statements refused before reaching a server (routing errors)."
        )
        out.sample("switchyard_routing_errors_total", [], snapshot.totals.routingErrors)
        out.family("switchyard_primary_reads_total", .counter, "Reads that ran on a primary, by reason.")
        var reasons = snapshot.readsOnPrimaryByReason
        for reason in PrimaryReadReason.allCases where reasons[reason.rawValue] == nil { reasons[reason.rawValue] = 0 }
        for (reason, count) in reasons.sorted(by: { $0.key < $1.key }) {
            out.sample("switchyard_primary_reads_total", [("reason", reason)], count)
        }
    }

    private static func renderPools(_ snapshot: StatsSnapshot, into out: inout ExpositionWriter) {
        func labels(_ pool: PoolStats) -> [(String, String)] {
            [("cluster", pool.cluster), ("server", pool.server), ("user", pool.user), ("database", pool.database)]
        }
        out.family("switchyard_pool_connections", .gauge, "Server connections of a pool: active or idle.")
        for pool in snapshot.pools {
            out.sample("switchyard_pool_connections", labels(pool) + [("state", "active")], pool.active)
            out.sample("switchyard_pool_connections", labels(pool) + [("state", "idle")], pool.idle)
        }
        out.family("switchyard_pool_waiting_clients", .gauge, "Clients waiting for a connection from a pool.")
        for pool in snapshot.pools { out.sample("switchyard_pool_waiting_clients", labels(pool), pool.waiting) }
        out.family("switchyard_pool_max_connections", .gauge, "The pool's configured size (pool_size).")
        for pool in snapshot.pools { out.sample("switchyard_pool_max_connections", labels(pool), pool.maxSize) }
    }
}
