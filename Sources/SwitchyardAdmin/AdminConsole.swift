// AdminConsole: the result set each console command answers with, built from a snapshot.

/// Builds console result sets. RELOAD, PAUSE and RESUME act through the daemon; once it has done
/// so, their result here is just the command tag, as PgBouncer's console answers.
package enum AdminConsole {
    /// The result for `command`.
    ///
    /// - Parameters:
    ///   - snapshot: the stats to report; `clientList` must be filled for SHOW CLIENTS.
    ///   - config: the settings in force, for SHOW CONFIG; secrets are masked here.
    package static func resultSet(
        for command: AdminCommand,
        snapshot: StatsSnapshot,
        config: [ConfigEntry] = []
    ) -> ConsoleResult {
        switch command {
        case .show(let target):
            let (columns, rows) = Self.table(for: target, snapshot: snapshot, config: config)
            return ConsoleResult(columns: columns, rows: rows, tag: command.tag)
        case .reload, .pause, .resume:
            return ConsoleResult(columns: [], rows: [], tag: command.tag)
        }
    }

    private static func table(
        for target: AdminCommand.ShowTarget,
        snapshot: StatsSnapshot,
        config: [ConfigEntry]
    ) -> ([ConsoleResult.Column], [[String?]]) {
        switch target {
        case .clusters:
            return (
                [
                    .text("cluster"), .text("primary"), .text("paused"), .bigint("servers"), .bigint("servers_up"),
                    .bigint("queries"), .bigint("reads"), .bigint("writes"), .bigint("errors"),
                ],
                snapshot.clusters.map { cluster in
                    [
                        cluster.name, cluster.primary, Self.yesNo(cluster.isPaused), String(cluster.servers.count),
                        String(cluster.servers.count { $0.state == .up }),
                        String(cluster.servers.reduce(0) { $0 + $1.queries }),
                        String(cluster.servers.reduce(0) { $0 + $1.reads }),
                        String(cluster.servers.reduce(0) { $0 + $1.writes }),
                        String(cluster.servers.reduce(0) { $0 + $1.errors }),
                    ]
                }
            )
        case .servers:
            return (
                [
                    .text("cluster"), .text("host"), .bigint("port"), .text("role"), .text("state"),
                    .bigint("lag_bytes"),
                    .bigint("active"), .bigint("idle"), .bigint("queries"), .bigint("reads"), .bigint("writes"),
                    .bigint("errors"),
                ],
                snapshot.clusters.flatMap { cluster in
                    cluster.servers.map { server in
                        [
                            cluster.name, server.host, String(server.port), server.role.rawValue, server.state.rawValue,
                            server.lagBytes.map { String($0) }, String(server.connections.active),
                            String(server.connections.idle), String(server.queries), String(server.reads),
                            String(server.writes), String(server.errors),
                        ]
                    }
                }
            )
        case .pools:
            return (
                [
                    .text("cluster"), .text("server"), .text("user"), .text("database"), .bigint("active"),
                    .bigint("idle"), .bigint("waiting"), .bigint("max_size"),
                ],
                snapshot.pools.map { pool in
                    [
                        pool.cluster, pool.server, pool.user, pool.database, String(pool.active), String(pool.idle),
                        String(pool.waiting), String(pool.maxSize),
                    ]
                }
            )
        case .clients:
            return (
                [
                    .bigint("id"), .text("user"), .text("database"), .text("application_name"), .text("address"),
                    .text("state"), .text("pinned"), .text("connected_at"), .text("cluster"), .text("server"),
                ],
                snapshot.clientList.map { client in
                    [
                        String(client.id), client.user, client.database, client.applicationName, client.peer,
                        client.state.rawValue, Self.yesNo(client.isPinned), UnixTime.format(client.connectedAt),
                        client.cluster, client.server,
                    ]
                }
            )
        case .stats:
            return ([.text("stat"), .text("value")], Self.statRows(snapshot))
        case .config:
            return ([.text("key"), .text("value")], config.map { entry in [entry.key, entry.masked.value] })
        case .version:
            return ([.text("version")], [["Switchyard \(snapshot.version)"]])
        }
    }

    /// SHOW STATS: one row per figure, so the list reads top to bottom in psql.
    private static func statRows(_ snapshot: StatsSnapshot) -> [[String?]] {
        let duration = snapshot.queryDuration
        let averageMicroseconds = duration.count == 0 ? 0 : Int(duration.sumNanoseconds / UInt64(duration.count) / 1000)
        var rows: [[String?]] = [
            ["version", snapshot.version],
            ["uptime_s", String(snapshot.uptimeSeconds)],
            ["config_path", snapshot.config.path],
            ["config_loaded_at", UnixTime.format(snapshot.config.loadedAt)],
            ["reloads", String(snapshot.config.reloads)],
            ["reload_failures", String(snapshot.config.reloadFailures)],
            ["clients_connected", String(snapshot.clients.connected)],
            ["clients_waiting", String(snapshot.clients.waiting)],
            ["clients_pinned", String(snapshot.clients.pinned)],
            ["queries", String(snapshot.totals.queries)],
            ["reads", String(snapshot.totals.reads)],
            ["writes", String(snapshot.totals.writes)],
            ["errors", String(snapshot.totals.errors)],
            ["routing_errors", String(snapshot.totals.routingErrors)],
            ["query_duration_avg_us", String(averageMicroseconds)],
        ]
        for (reason, count) in snapshot.sortedReadsOnPrimary {
            rows.append(["reads_on_primary.\(reason)", String(count)])
        }
        return rows
    }

    private static func yesNo(_ value: Bool) -> String { value ? "yes" : "no" }
}
