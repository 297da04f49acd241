// LoopContext+Routing: from a lease target to a server and its pool, honouring health, load
// balancing, primary_reads and read-after-write.
import SwitchyardIO
import SwitchyardSQL
import SwitchyardAdmin
import SwitchyardHealth
import SwitchyardRouting
import SwitchyardSession
import SwitchyardWire

/// The outcome of choosing a server for a target.
enum ServerChoice {
    /// This server (index in its cluster); `primaryReason` says why a read went to the primary.
    case server(Int, primaryReason: PrimaryReadReason?)
    /// This replica, if it has replayed `position` (read_after_write = "lsn" when no replica is
    /// known to have): the read runs there after a check, else on the primary.
    case catchUp(Int, position: UInt64)
    /// The cluster has no primary right now: wait for one.
    case noPrimary
    /// No server can take it.
    case failed(ProxyError)
}

extension LoopContext {
    /// How long a replica that failed a catch-up check is not asked again.
    static let catchUpMissPauseNs: UInt64 = 50_000_000

    /// Picks the server for `target` on behalf of `client`.
    func chooseServer(for target: LeaseTarget, client: ClientConnection) -> ServerChoice {
        guard var topology = self.topologies[target.cluster] else {
            return .failed(ProxyError(.connectionFailure, .error, "cluster \"\(target.cluster)\" is not configured"))
        }
        defer { self.topologies[target.cluster] = topology }
        let view = topology.view
        func primary(_ reason: PrimaryReadReason?) -> ServerChoice {
            guard let index = view.primary else { return .noPrimary }
            return .server(index, primaryReason: reason)
        }
        switch target.role {
        case .primary:
            return primary(nil)
        case .replica:
            guard let database = client.database else { return primary(nil) }
            var requiredPosition: UInt64?
            switch database.readAfterWrite {
            case .none:
                break
            case .window(let milliseconds):
                if client.lastWriteAt != 0 && self.loop.now &- client.lastWriteAt < UInt64(milliseconds) * 1_000_000 {
                    return primary(.readAfterWrite)
                }
            case .lsn:
                requiredPosition = client.lastWritePosition
            }
            var candidates: [ReadCandidate] = []
            var lagging: [ReadCandidate] = []
            let avoided = client.avoidedServer?.cluster == target.cluster ? client.avoidedServer?.server : nil
            for (index, server) in view.servers.enumerated()
            where server.isReadable && index != view.primary && index != avoided {
                let candidate = ReadCandidate(
                    server: index,
                    weight: topology.entry.servers[index].weight,
                    activeConnections: self.activeConnections(to: topology.entry.servers[index])
                )
                if let required = requiredPosition {
                    let known = max(server.walPosition ?? 0, topology.confirmedPositions[index] ?? 0)
                    guard known >= required else {
                        lagging.append(candidate)
                        continue
                    }
                }
                candidates.append(candidate)
            }
            if database.primaryReads == .always, let index = view.primary {
                candidates.append(
                    ReadCandidate(
                        server: index,
                        weight: topology.entry.servers[index].weight,
                        activeConnections: self.activeConnections(to: topology.entry.servers[index])
                    )
                )
            }
            let method: BalanceMethod
            switch database.loadBalancing {
            case .roundRobin: method = .roundRobin
            case .leastConnections: method = .leastConnections
            case .random: method = .random
            }
            var random = SystemRandomNumberGenerator()
            if let chosen = topology.balancer.choose(among: candidates, method: method, random: &random) {
                return .server(chosen, primaryReason: chosen == view.primary ? .primaryReadsAlways : nil)
            }
            if let required = requiredPosition {
                // Positions from health checks are up to interval_ms old; the replica furthest
                // ahead has most likely replayed the write by now: ask it (waiting a few
                // milliseconds at most). One that missed a check moments ago is left alone.
                let now = self.loop.now
                let askable = lagging.filter { candidate in
                    guard let missed = topology.catchUpMisses[candidate.server] else { return true }
                    return now &- missed > Self.catchUpMissPauseNs
                }
                let known = { (index: Int) in
                    max(view.servers[index].walPosition ?? 0, topology.confirmedPositions[index] ?? 0)
                }
                if let furthest = askable.map({ known($0.server) }).max() {
                    let leaders = askable.filter { known($0.server) == furthest }
                    if let chosen = topology.balancer.choose(among: leaders, method: method, random: &random) {
                        return .catchUp(chosen, position: required)
                    }
                }
            }
            if database.primaryReads == .never {
                return .failed(
                    ProxyError(.connectionFailure, .error, "no replica of cluster \"\(target.cluster)\" can take reads")
                )
            }
            return primary(.noReplica)
        }
    }

    /// Whether a connection a session-mode client kept is the one for `target`: its cluster's
    /// primary for primary work, a replica that may take reads for reads.
    func serves(_ target: LeaseTarget, with server: ServerConnection) -> Bool {
        guard let origin = server.pool.origin, origin.cluster == target.cluster,
            let view = self.topologies[target.cluster]?.view, origin.server < view.servers.count
        else { return false }
        switch target.role {
        case .primary: return origin.server == view.primary
        case .replica: return origin.server != view.primary && view.servers[origin.server].isReadable
        }
    }

    /// A replica answered a catch-up check with its replay position: remembered until the health
    /// view moves past it. One that had not reached the position is not asked again for a moment.
    func catchUpAnswered(cluster: String, server: Int, replayed: UInt64, reached: Bool) {
        guard var topology = self.topologies[cluster] else { return }
        topology.confirmedPositions[server] = max(topology.confirmedPositions[server] ?? 0, replayed)
        if reached {
            topology.catchUpMisses[server] = nil
        } else {
            topology.catchUpMisses[server] = self.loop.now
        }
        self.topologies[cluster] = topology
    }

    /// Leased connections to `server` from this loop's pools.
    func activeConnections(to server: ServerEntry) -> Int {
        var total = 0
        for pool in self.pools.values where pool.key.address == server.address { total += pool.activeCount }
        return total
    }

    /// The pool of server `index` of `cluster` for a client logging in as `credentials.user`.
    func pool(server index: Int, cluster: ClusterEntry, credentials: ServerLoginCredentials) -> Pool {
        let server = cluster.servers[index]
        let key = PoolKey(address: server.address, serverName: server.name, database: cluster.database, user: credentials.user)
        let pool = self.pool(for: key, credentials: credentials, limit: cluster.poolSize)
        if pool.origin == nil { pool.origin = (cluster.name, index) }
        return pool
    }

    // MARK: - Waiting for a primary

    /// Parks `client` until `cluster` has a primary (or its wait runs out).
    func waitForPrimary(_ client: ClientConnection, cluster: String) {
        self.primaryWaiters[cluster, default: []].append(client)
    }

    func cancelPrimaryWait(_ client: ClientConnection) {
        for (cluster, waiters) in self.primaryWaiters {
            self.primaryWaiters[cluster] = waiters.filter { $0 !== client }
        }
    }

    /// A new health view arrived for `cluster`. Clients waiting in the pool of a server that can
    /// no longer serve them are routed again.
    func topologyChanged(cluster: String, view: ClusterView) {
        self.topologies[cluster]?.view = view
        for pool in self.pools.values where pool.waiterCount > 0 {
            guard let origin = pool.origin, origin.cluster == cluster, origin.server < view.servers.count else { continue }
            let server = view.servers[origin.server]
            guard !server.isReadable && !server.isWritable else { continue }
            for client in pool.takeWaiters() { client.serverWentAway() }
        }
        guard view.primary != nil, let waiters = self.primaryWaiters.removeValue(forKey: cluster) else { return }
        for client in waiters where !client.isClosed {
            client.retryLease()
        }
    }

    /// Fails waits for a primary that ran out.
    func tidyPrimaryWaiters(now: UInt64) {
        for (cluster, waiters) in self.primaryWaiters {
            var remaining: [ClientConnection] = []
            for client in waiters {
                if client.isClosed { continue }
                if now >= client.leaseDeadline {
                    client.leaseFailed(self.noPrimaryError(cluster: cluster))
                } else {
                    remaining.append(client)
                }
            }
            self.primaryWaiters[cluster] = remaining.isEmpty ? nil : remaining
        }
    }

    /// The error for a client that found no primary in `cluster`, with why in its detail when
    /// known: the most recent failed server login of that cluster on this loop, else the failed
    /// health checks of its servers (a TLS or password problem, say).
    func noPrimaryError(cluster: String) -> ProxyError {
        var reasons: [String] = []
        let failures = self.pools.values.compactMap { pool in pool.origin?.cluster == cluster ? pool.lastFailure : nil }
        if let latest = failures.max(by: { $0.time < $1.time }) {
            reasons.append("Last failed login: \(latest.error.message).")
        } else {
            for server in self.config.clusters[cluster]?.servers ?? [] {
                if let reason = self.shared.checkFailure(server: server.name) {
                    reasons.append("Health check of \(server.name) failed: \(reason).")
                }
            }
        }
        return ProxyError(
            .connectionFailure, .error, "no primary server is available for cluster \"\(cluster)\"",
            detail: reasons.isEmpty ? nil : reasons.joined(separator: " "))
    }
}
