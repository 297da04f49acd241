// FailoverCluster: a throwaway primary with two streaming replicas and a proxy in front of all
// three, for one test that crashes, promotes or delays servers.
import SwitchyardTesting

/// A cluster of its own (nothing shared is disturbed) and the proxy under test in front of it.
struct FailoverCluster {
    let topology: LocalTopology
    let cluster: LocalCluster
    let proxy: ClusterProxy

    var primary: LocalPostgres { cluster.primary }
    var replicas: [LocalPostgres] { cluster.replicas }

    /// Starts the servers, applies `primarySettings` to the primary alone, creates what `setupSQL`
    /// says on it (database `app`), waits for both replicas to replay it, then starts the proxy
    /// and waits until its first health checks have seen every server.
    ///
    /// - Parameters:
    ///   - primarySettings: `ALTER SYSTEM` settings (values as SQL literals) for the primary only,
    ///     set after the replicas were copied from it so that they do not inherit them.
    ///   - setupSQL: statements run on the primary before the settings, as the superuser.
    static func start(
        primarySettings: [String: String] = [:],
        setupSQL: String? = nil,
        configure: (inout ClusterProxyConfiguration) -> Void = { _ in }
    ) throws -> FailoverCluster {
        let (topology, cluster) = try TestCluster.shared.startThrowawayCluster(replicas: 2)
        do {
            let primary = cluster.primary
            if let setupSQL { try primary.query(setupSQL, database: TestUser.database) }
            try waitForReplay(on: cluster.replicas, of: primary)
            if !primarySettings.isEmpty {
                let statements = primarySettings.sorted { $0.key < $1.key }.map {
                    "ALTER SYSTEM SET \($0.key) = \($0.value);"
                }
                try primary.query(statements.joined(separator: "\n") + "\nSELECT pg_reload_conf();")
            }
            var configuration = ClusterProxyConfiguration(cluster: cluster)
            configure(&configuration)
            let proxy = try ClusterProxy.start(configuration)
            let failover = FailoverCluster(topology: topology, cluster: cluster, proxy: proxy)
            let checked = try proxy.waitForStats { main in
                main.primary == primary.address && main.servers.count == 3
                    && main.servers.allSatisfy { $0.state == "up" }
                    && cluster.replicas.allSatisfy { main.server(port: $0.port)?.lagBytes != nil }
            }
            guard checked else {
                failover.stop()
                throw LocalError.timedOut(what: "first health checks\n\(proxy.proxy.output())", seconds: 15)
            }
            return failover
        } catch {
            topology.stop()
            throw error
        }
    }

    /// Waits until every replica in `replicas` has replayed the WAL `primary` has flushed now.
    ///
    /// The flush position rather than the insert position: the test servers commit
    /// asynchronously, and a record inserted but not yet flushed (a background checkpoint's,
    /// say) is not sent to standbys until something else flushes it, which can take many seconds.
    static func waitForReplay(on replicas: [LocalPostgres], of primary: LocalPostgres, timeout: Double = 30) throws {
        // A commit that waits for its flush, so that everything written before is flushed too.
        try primary.query("SET synchronous_commit = on; SELECT txid_current();")
        let target = try primary.query("SELECT pg_current_wal_flush_lsn()")
        for replica in replicas {
            let replayed = try waitUntil(timeout: timeout) {
                try replica.query("SELECT coalesce(pg_last_wal_replay_lsn() >= '\(target)'::pg_lsn, false)") == "t"
            }
            guard replayed else {
                throw LocalError.timedOut(what: "\(replica.name) replaying to \(target)", seconds: timeout)
            }
        }
    }

    /// Stops the proxy, then every server, and deletes their directories.
    func stop() {
        proxy.stop()
        topology.stop()
    }

    /// The proxy's log so far, for failure messages.
    var proxyLog: String { String(proxy.proxy.output().suffix(6000)) }
}

/// Runs `body` with a new `FailoverCluster`, stopped afterwards whatever happens.
func withFailoverCluster(
    primarySettings: [String: String] = [:],
    setupSQL: String? = nil,
    configure: (inout ClusterProxyConfiguration) -> Void = { _ in },
    _ body: (FailoverCluster) throws -> Void
) throws {
    let failover = try FailoverCluster.start(primarySettings: primarySettings, setupSQL: setupSQL, configure: configure)
    defer { failover.stop() }
    try body(failover)
}
