// LoopContext: everything one event loop owns — its clients, pools, listener and janitor.
import Dispatch
import Logging
import SwitchyardAdmin
import SwitchyardIO
import SwitchyardRouting
import SwitchyardSQL
import SwitchyardSession

/// The state of one loop. Every member is used on the loop's queue only.
final class LoopContext {
    let loop: EventLoop
    let shared: DaemonShared
    /// The configuration this loop runs; replaced on reload.
    var config: RuntimeConfig
    let logger: Logger
    private(set) var pools: [PoolKey: Pool] = [:]
    /// Connected clients by ID (for the janitor, cancels and stats).
    var clients: [UInt64: ClientConnection] = [:]
    private var nextID: UInt64 = 1
    var listener: Listener?
    private var janitor: (any DispatchSourceTimer)?
    /// Each cluster's servers and health, by name.
    var topologies: [String: ClusterTopology] = [:]
    /// Clients waiting for a cluster to have a primary again.
    var primaryWaiters: [String: [ClientConnection]] = [:]
    /// Classifies statements; rebuilt when the routing rules change.
    var classifier: StatementClassifier
    /// Counters merged into stats on request.
    var counters = LoopCounters()
    /// Clusters whose new transactions are held (PAUSE), and the clients held.
    var pausedClusters: Set<String> = []
    var pauseWaiters: [String: [ClientConnection]] = [:]
    /// Cancel requests on their way to servers.
    var cancelSenders: [ObjectIdentifier: CancelSender] = [:]
    /// While shutting down: when to stop waiting for transactions, and whom to tell when done.
    var shutdown: (deadline: UInt64, stopped: () -> Void)?
    /// Whether the loop still accepts new clients.
    var isAccepting = true

    init(loop: EventLoop, shared: DaemonShared, config: RuntimeConfig, logger: Logger) {
        self.loop = loop
        self.shared = shared
        self.config = config
        self.logger = logger
        self.classifier = Self.makeClassifier(config)
        self.rebuildTopologies()
    }

    static func makeClassifier(_ config: RuntimeConfig) -> StatementClassifier {
        StatementClassifier(
            options: config.router.table.analyzerOptions(),
            cache: StatementCache(seed: UInt64.random(in: 0...UInt64.max))
        )
    }

    /// Installs a reloaded configuration: new routing rules, clusters and policies from now on.
    func apply(_ config: RuntimeConfig) {
        let rulesChanged = config.router.table != self.config.router.table
        self.config = config
        if rulesChanged { self.classifier = Self.makeClassifier(config) }
        self.rebuildTopologies()
        // Pools follow the new sizes; pools of servers that left the configuration drain: idle
        // connections close now, leased ones when their clients give them back.
        for pool in self.pools.values {
            let cluster = pool.origin.flatMap { config.clusters[$0.cluster] }
            let stillConfigured = cluster?.servers.contains { $0.address == pool.key.address } ?? false
            if let cluster, stillConfigured {
                pool.budget.setLimit(cluster.poolSize)
                pool.isRetired = false
                pool.shrinkToLimit()
            } else if pool.origin != nil {
                pool.isRetired = true
                pool.closeIdle()
                for client in pool.takeWaiters() { client.serverWentAway() }
            }
        }
    }

    /// Topologies for the configured clusters, keeping the health view of unchanged ones.
    private func rebuildTopologies() {
        var topologies: [String: ClusterTopology] = [:]
        for (name, entry) in self.config.clusters {
            if let existing = self.topologies[name], existing.entry.servers == entry.servers {
                var kept = ClusterTopology(entry: entry, view: existing.view)
                kept.balancer = existing.balancer
                topologies[name] = kept
            } else {
                topologies[name] = ClusterTopology(
                    entry: entry,
                    view: ClusterTopology.initialView(of: entry, policy: self.config.health, now: self.loop.now)
                )
            }
        }
        self.topologies = topologies
    }

    /// A process-wide unique ID: the loop index in the top byte.
    func makeID() -> UInt64 {
        defer { self.nextID += 1 }
        return UInt64(self.loop.index) << 56 | self.nextID
    }

    /// Starts the janitor, which enforces every timeout once per tick.
    func startJanitor(intervalMs: Int = 100) {
        self.janitor = self.loop.scheduleRepeating(everyMs: intervalMs) { [unowned self] in self.tidy() }
    }

    func stopJanitor() {
        self.janitor?.cancel()
        self.janitor = nil
    }

    // MARK: - Pools

    /// The pool for `key`, created on first use.
    func pool(for key: PoolKey, credentials: ServerLoginCredentials, limit: Int) -> Pool {
        if let pool = self.pools[key] {
            if pool.credentials.recoveredClientKey == nil && credentials.recoveredClientKey != nil {
                pool.credentials = credentials
            }
            return pool
        }
        let pool = Pool(
            key: key,
            context: self,
            budget: self.shared.budget(for: key, limit: limit),
            credentials: credentials
        )
        self.pools[key] = pool
        return pool
    }

    /// Starts a non-blocking connect for `pool`; the outcome reaches the pool.
    func openServerConnection(for pool: Pool) {
        let id = self.makeID()
        do {
            let (fd, _) = try Socket.connect(pool.key.address)
            let server = ServerConnection(
                context: self,
                pool: pool,
                id: id,
                fd: fd,
                maxPreparedStatements: self.config.maxPreparedStatements
            )
            server.deadline = self.loop.now &+ UInt64(self.config.serverConnectTimeoutMs) * 1_000_000
            self.connecting.append(server)
            do {
                try server.register()
            } catch {
                server.lost(reason: "\(error)")
            }
        } catch {
            // Report asynchronously so the pool's bookkeeping is never re-entered.
            self.loop.afterPass {
                pool.connectFailed(error: .unreachable(server: pool.key.serverName, reason: "\(error)"))
            }
        }
    }

    /// Connections still logging in, checked against their deadline by the janitor.
    var connecting: [ServerConnection] = []

    /// Another loop wants connections of `key`: give it idle ones.
    func offerIdleConnections(for key: PoolKey) {
        self.pools[key]?.offerIdle()
    }

    /// Another loop handed over a connection of `key`.
    func adoptServerConnection(_ server: ServerConnection, for key: PoolKey) {
        let pool = self.pool(for: key, credentials: server.pool.credentials, limit: server.pool.budget.currentLimit)
        pool.adopt(server)
    }

    // MARK: - Janitor

    private func tidy() {
        let now = self.loop.now
        if self.shutdown != nil { self.drain() }
        let config = self.config
        self.connecting.removeAll { server in
            switch server.phase {
            case .connecting, .loggingIn:
                if now >= server.deadline {
                    server.loginTimedOut()
                    return true
                }
                return false
            case .idle, .leased, .resetting, .closed:
                return true
            }
        }
        let loginTimeout = UInt64(config.clientLoginTimeoutMs) * 1_000_000
        let idleTransactionTimeout = UInt64(config.idleTransactionTimeoutMs) * 1_000_000
        for client in self.clients.values {
            client.tidy(now: now, loginTimeoutNs: loginTimeout, idleTransactionTimeoutNs: idleTransactionTimeout)
        }
        self.tidyPrimaryWaiters(now: now)
        for pool in self.pools.values {
            pool.tidy(
                now: now,
                queryWaitNs: UInt64(config.queryWaitTimeoutMs) * 1_000_000,
                idleTimeoutNs: UInt64(config.serverIdleTimeoutMs) * 1_000_000,
                minimumSize: 0
            )
        }
    }
}

