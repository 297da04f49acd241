// Daemon+AdminOperations: the admin port's and console's view of the daemon — stats merged from
// every loop and the health checks, reload, pause and resume.
import Dispatch
import Glibc
import Logging
import Synchronization
import SwitchyardAdmin
import SwitchyardHealth
import SwitchyardIO

extension Daemon: AdminOperations {
    package func statsSnapshot(_ completion: @escaping @Sendable (StatsSnapshot) -> Void) {
        self.gatherStats(includeClients: false, completion)
    }

    /// Asks every loop for its report and merges them with the health views.
    package func gatherStats(includeClients: Bool, _ completion: @escaping @Sendable (StatsSnapshot) -> Void) {
        let loops = self.shared.loopCount
        let offset = Int(time(nil)) - Int(monotonicNanoseconds() / 1_000_000_000)
        let collected = ReportCollector(expected: loops)
        self.shared.postToAll { [self] context in
            let report = context.report(includeClients: includeClients, wallClockOffset: offset)
            if let all = collected.add(report) { completion(self.snapshot(from: all)) }
        }
    }

    private func snapshot(from reports: [LoopReport]) -> StatsSnapshot {
        let config = self.shared.config
        let counters = LoopCounters.merged(reports.map(\.counters))
        var connections: [ServerKey: ConnectionCounts] = [:]
        for report in reports {
            for (key, counts) in report.connections {
                var total = connections[key] ?? ConnectionCounts()
                total.active += counts.active
                total.idle += counts.idle
                connections[key] = total
            }
        }
        let views = self.shared.prober?.currentViews ?? [:]
        let paused = self.pausedClusters.withLock { $0 }
        var clusters: [ClusterStats] = []
        for name in config.clusterOrder {
            guard let entry = config.clusters[name] else { continue }
            let view = views[name]
            var servers: [ServerStats] = []
            for (index, server) in entry.servers.enumerated() {
                let key = ServerKey(cluster: name, host: server.host, port: server.port)
                let observed = view.flatMap { index < $0.servers.count ? $0.servers[index] : nil }
                let role: SwitchyardAdmin.ServerRole
                switch observed?.role {
                case .primary?: role = .primary
                case .replica?: role = .replica
                case nil: role = server.role == .primary ? .primary : .replica
                }
                let state: SwitchyardAdmin.ServerState
                switch observed?.state {
                case .down?: state = .down
                case .fenced?: state = .fenced
                case .up?, nil: state = .up
                }
                servers.append(
                    ServerStats(
                        host: server.host,
                        port: server.port,
                        role: role,
                        state: state,
                        lagBytes: observed?.lagBytes.map { Int(clamping: $0) },
                        connections: connections[key] ?? ConnectionCounts(),
                        counters: counters.counters(for: key)
                    )
                )
            }
            let primary = view?.primary ?? entry.servers.firstIndex { $0.role == .primary }
            clusters.append(
                ClusterStats(
                    name: name,
                    primary: primary.map { entry.servers[$0].name },
                    isPaused: paused.contains(name),
                    servers: servers,
                    queryDuration: counters.queryDuration(cluster: name)
                )
            )
        }
        return StatsSnapshot(
            version: SwitchyardVersion.current,
            uptimeSeconds: Int((monotonicNanoseconds() &- self.startedAt) / 1_000_000_000),
            config: self.reloadStatus.withLock { $0 },
            clients: StatsSnapshot.ClientCounts(
                connected: reports.reduce(0) { $0 + $1.connected },
                waiting: reports.reduce(0) { $0 + $1.waiting },
                pinned: reports.reduce(0) { $0 + $1.pinned }
            ),
            clientList: reports.flatMap(\.clients).sorted { $0.id < $1.id },
            clusters: clusters,
            pools: Self.mergedPools(reports.flatMap(\.pools)),
            totals: StatsSnapshot.Totals(summing: clusters, routingErrors: counters.routingErrors),
            readsOnPrimaryByReason: counters.primaryReadsByReason
        )
    }

    /// One row per pool: each loop reports its share of a pool, whose size limit is shared.
    static func mergedPools(_ rows: [PoolStats]) -> [PoolStats] {
        var merged: [String: PoolStats] = [:]
        var order: [String] = []
        for row in rows {
            let key = "\(row.cluster)\u{0}\(row.server)\u{0}\(row.user)\u{0}\(row.database)"
            if var existing = merged[key] {
                existing.active += row.active
                existing.idle += row.idle
                existing.waiting += row.waiting
                merged[key] = existing
            } else {
                merged[key] = row
                order.append(key)
            }
        }
        return order.compactMap { merged[$0] }.sorted { ($0.cluster, $0.server, $0.user) < ($1.cluster, $1.server, $1.user) }
    }

    package func reload(_ completion: @escaping @Sendable (AdminOutcome) -> Void) {
        self.control.async { completion(self.reloadNow()) }
    }

    package func pause(cluster: String?, _ completion: @escaping @Sendable (AdminOutcome) -> Void) {
        self.setPaused(true, cluster: cluster, completion)
    }

    package func resume(cluster: String?, _ completion: @escaping @Sendable (AdminOutcome) -> Void) {
        self.setPaused(false, cluster: cluster, completion)
    }

    private func setPaused(_ paused: Bool, cluster: String?, _ completion: @escaping @Sendable (AdminOutcome) -> Void) {
        let config = self.shared.config
        if let cluster, config.clusters[cluster] == nil {
            completion(.unknownCluster(cluster))
            return
        }
        let names = cluster.map { [$0] } ?? config.clusterOrder
        self.pausedClusters.withLock { set in
            if paused { set.formUnion(names) } else { set.subtract(names) }
        }
        self.shared.postToAll { context in context.setPaused(paused, clusters: names) }
        let what = cluster.map { "cluster \($0)" } ?? "every cluster"
        self.shared.logger.info(paused ? "paused" : "resumed", metadata: ["cluster": "\(cluster ?? "*")"])
        completion(.done(paused ? "paused \(what)" : "resumed \(what)"))
    }

    package var isAccepting: Bool { !self.isShuttingDown.load(ordering: .relaxed) }
}

/// Collects one report per loop; the last one to arrive gets them all.
final class ReportCollector: Sendable {
    private let state: Mutex<[LoopReport]>
    private let expected: Int

    init(expected: Int) {
        self.expected = expected
        self.state = Mutex([])
    }

    /// Adds a report; returns every report once all have arrived.
    func add(_ report: LoopReport) -> [LoopReport]? {
        self.state.withLock { reports in
            reports.append(report)
            return reports.count == self.expected ? reports : nil
        }
    }
}

extension LoopContext {
    /// PAUSE holds new units of work of these clusters; RESUME releases the held ones.
    func setPaused(_ paused: Bool, clusters: [String]) {
        for cluster in clusters {
            if paused {
                self.pausedClusters.insert(cluster)
            } else {
                self.pausedClusters.remove(cluster)
                for client in self.pauseWaiters.removeValue(forKey: cluster) ?? [] where !client.isClosed {
                    // The time held by PAUSE does not count against query_wait_timeout_ms.
                    client.leaseDeadline = self.loop.now &+ UInt64(self.config.queryWaitTimeoutMs) * 1_000_000
                    client.retryLease()
                }
            }
        }
    }
}
