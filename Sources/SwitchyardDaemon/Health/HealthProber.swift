// HealthProber: checks every server of every cluster on its own loop, runs each cluster's health
// state machine, and publishes the resulting views to the data-plane loops.
import Dispatch
import Logging
import Synchronization
import SwitchyardHealth
import SwitchyardIO
import SwitchyardSession

/// The health checks. Thread-safe facade; the work runs on a dedicated loop, never on a
/// data-plane loop, and reaches the data plane only by posting views to it.
package final class HealthProber: Sendable {
    private let loop: EventLoop
    private let state: LoopBound<ProberState>
    private let views = ViewStore()

    /// The latest views, readable from any thread.
    final class ViewStore: Sendable {
        let views = Mutex<[String: ClusterView]>([:])
    }

    init(shared: DaemonShared, config: RuntimeConfig) throws {
        let loop = try EventLoop(index: 900, lingerMicroseconds: 0)
        self.loop = loop
        self.state = loop.queue.sync { LoopBound(ProberState(loop: loop, shared: shared), loop: loop) }
        let state = self.state
        let views = self.views
        loop.execute {
            state.value.publishedViews = { cluster, view in views.views.withLock { $0[cluster] = view } }
            state.value.apply(config)
            state.value.start()
        }
    }

    /// The latest view of every cluster, for stats.
    package var currentViews: [String: ClusterView] { self.views.views.withLock { $0 } }

    /// A connection error seen while serving traffic: check that server at once.
    func reportTrafficError(cluster: String, server: Int) {
        let state = self.state
        self.loop.execute { state.value.trafficErrorReported(cluster: cluster, server: server) }
    }

    /// A reloaded configuration: clusters added, removed or changed are checked accordingly.
    func apply(_ config: RuntimeConfig) {
        let state = self.state
        self.loop.execute { state.value.apply(config) }
    }

    /// Stops checking and closes the control connections; returns once done. Not from the
    /// prober's own loop.
    func stop() {
        let state = self.state
        self.loop.queue.sync { state.value.stop() }
    }
}

/// The prober's state, confined to its loop.
final class ProberState {
    /// One cluster: its state machine and a control connection per server.
    struct ClusterProbe {
        var entry: ClusterEntry
        var health: ClusterHealth
        var connections: [ControlConnection]
        var nextCheck: [UInt64]
        /// The login count of each connection when its settings were last read.
        var settingsReadAt: [Int]
        /// Promotions asked for while the connection was busy.
        var pendingPromotions: Set<Int> = []
        var published: ClusterView?
    }

    private let loop: EventLoop
    private let shared: DaemonShared
    private var clusters: [String: ClusterProbe] = [:]
    private var policy: HealthPolicy?
    private var timer: (any DispatchSourceTimer)?
    var publishedViews: (String, ClusterView) -> Void = { _, _ in }
    private lazy var recovery = PreparedTransactionRecovery(loop: self.loop, shared: self.shared)
    private var config: RuntimeConfig?
    /// Servers (`host:port`) whose prepared transactions were looked at since start.
    private var recoveredAtStart: Set<String> = []

    /// How health-check sessions appear in pg_stat_activity.
    static let applicationName = "switchyard health check"

    init(loop: EventLoop, shared: DaemonShared) {
        self.loop = loop
        self.shared = shared
    }

    private var logger: Logger { self.shared.logger }

    func start() {
        self.timer = self.loop.scheduleRepeating(everyMs: 20) { [unowned self] in self.tick() }
    }

    func stop() {
        self.timer?.cancel()
        self.timer = nil
        for probe in self.clusters.values { for connection in probe.connections { connection.close() } }
        self.clusters.removeAll()
    }

    /// The control connection of server `index` of `cluster`, for other control work (recovery).
    func connection(cluster: String, server index: Int) -> ControlConnection? {
        guard let probe = self.clusters[cluster], index < probe.connections.count else { return nil }
        return probe.connections[index]
    }

    /// The cluster's current view.
    func view(of cluster: String) -> ClusterView? { self.clusters[cluster]?.health.view }

    /// Rebuilds the probes of clusters whose servers or credentials changed.
    func apply(_ config: RuntimeConfig) {
        self.loop.refreshNow()
        let now = self.loop.now
        self.config = config
        let policyChanged = self.policy != config.health
        self.policy = config.health
        for name in self.clusters.keys where config.clusters[name] == nil {
            for connection in self.clusters[name]!.connections { connection.close() }
            self.clusters[name] = nil
        }
        for (name, entry) in config.clusters {
            if var probe = self.clusters[name], probe.entry.servers == entry.servers, probe.entry.user == entry.user,
                probe.entry.password == entry.password, probe.entry.database == entry.database
            {
                if policyChanged { self.handle(probe.health.policyChanged(config.health, now: now), cluster: name, probe: &probe) }
                for connection in probe.connections { connection.tlsSettings = config.serverTLS }
                probe.entry = entry
                self.clusters[name] = probe
                self.publish(name)
                continue
            }
            if let old = self.clusters[name] { for connection in old.connections { connection.close() } }
            let credentials = ServerLoginCredentials(
                user: entry.user ?? config.healthUser ?? "",
                secret: (entry.user != nil ? entry.password : config.healthPassword).map { .plaintext($0) }
            )
            let connections = entry.servers.map { server in
                ControlConnection(
                    address: server.address,
                    serverName: server.name,
                    serverHost: server.host,
                    tls: config.serverTLS,
                    database: entry.database,
                    credentials: credentials,
                    applicationName: Self.applicationName,
                    loop: self.loop
                )
            }
            self.clusters[name] = ClusterProbe(
                entry: entry,
                health: ClusterHealth(
                    roles: entry.servers.map { $0.role == .primary ? .primary : .replica },
                    policy: config.health,
                    now: now
                ),
                connections: connections,
                nextCheck: Array(repeating: now, count: connections.count),
                settingsReadAt: Array(repeating: 0, count: connections.count)
            )
            self.publish(name)
        }
    }

    /// Starts due checks, enforces timeouts and lets promotion timing advance.
    private func tick() {
        guard let policy = self.policy else { return }
        let now = self.loop.now
        let interval = UInt64(policy.intervalMs) * 1_000_000
        for name in Array(self.clusters.keys) {
            guard var probe = self.clusters[name] else { continue }
            for (index, connection) in probe.connections.enumerated() {
                if connection.isBusy {
                    if now >= connection.deadline { connection.timedOut() }
                } else if now >= probe.nextCheck[index] {
                    probe.nextCheck[index] = now &+ interval
                    self.clusters[name] = probe
                    self.check(cluster: name, server: index)
                    guard let updated = self.clusters[name] else { break }
                    probe = updated
                }
            }
            if var probe = self.clusters[name] {
                self.handle(probe.health.tick(now: now), cluster: name, probe: &probe)
                self.clusters[name] = probe
                self.publish(name)
            }
        }
        if let config = self.config { self.recovery.tick(config: config) }
    }

    private func check(cluster: String, server index: Int) {
        guard let policy = self.policy, let probe = self.clusters[cluster] else { return }
        let connection = probe.connections[index]
        connection.run(CheckResult.query, timeoutNs: UInt64(policy.timeoutMs) * 1_000_000) { [unowned self] result in
            switch result {
            case .success(let rows):
                do {
                    let parsed = try CheckResult(columns: rows.first ?? [])
                    self.checked(cluster: cluster, server: index, connection: connection, result: .success(parsed))
                } catch {
                    self.checked(cluster: cluster, server: index, connection: connection, result: .failure(CheckFailure(reason: "\(error)")))
                }
            case .failure(let failure):
                self.checked(cluster: cluster, server: index, connection: connection, result: .failure(CheckFailure(reason: failure.message)))
            }
        }
    }

    func trafficErrorReported(cluster: String, server: Int) {
        guard var probe = self.clusters[cluster], server < probe.connections.count else { return }
        if probe.health.trafficErrorReported(server: server) {
            probe.nextCheck[server] = 0
            self.clusters[cluster] = probe
            if !probe.connections[server].isBusy { self.check(cluster: cluster, server: server) }
        }
    }

    private func checked(cluster: String, server: Int, connection: ControlConnection, result: Result<CheckResult, CheckFailure>) {
        guard var probe = self.clusters[cluster], server < probe.connections.count, probe.connections[server] === connection
        else { return }
        let now = self.loop.now
        let events: [HealthEvent]
        switch result {
        case .success(let checked):
            self.shared.setCheckFailure(nil, server: connection.serverName)
            events = probe.health.checkSucceeded(server: server, result: checked, now: now)
            if !checked.isInRecovery, self.recoveredAtStart.insert(connection.serverName).inserted, let config = self.config {
                // At start: prepared transactions a previous run left in doubt.
                self.recovery.recover(cluster: cluster, server: server, config: config)
            }
        case .failure(let failure):
            let reason = failure.reason
            self.shared.setCheckFailure(reason, server: connection.serverName)
            self.logger.debug("health check failed", metadata: ["server": "\(connection.serverName)", "error": "\(reason)"])
            events = probe.health.checkFailed(server: server, now: now)
            if events.contains(.serverDown(server: server)) {
                self.logger.warning(
                    "health check failed",
                    metadata: ["cluster": "\(cluster)", "server": "\(connection.serverName)", "error": "\(reason)"]
                )
            }
        }
        self.handle(events, cluster: cluster, probe: &probe)
        let needsSettings = probe.settingsReadAt[server] != connection.logins
        if needsSettings { probe.settingsReadAt[server] = connection.logins }
        self.clusters[cluster] = probe
        self.publish(cluster)
        if case .success = result, needsSettings {
            self.readSettings(cluster: cluster, server: server, connection: connection)
        } else if probe.pendingPromotions.contains(server) {
            self.promote(cluster: cluster, server: server)
        }
    }

    /// Reads, once per login, the settings the data plane needs (max_prepared_transactions).
    private func readSettings(cluster: String, server: Int, connection: ControlConnection) {
        connection.run("SELECT pg_catalog.current_setting('max_prepared_transactions')", timeoutNs: 5_000_000_000) {
            [unowned self] result in
            if case .success(let rows) = result, let count = rows.firstText.flatMap({ Int($0) }) {
                self.shared.setPreparedTransactions(count, server: connection.serverName)
            }
            if self.clusters[cluster]?.pendingPromotions.contains(server) == true {
                self.promote(cluster: cluster, server: server)
            }
        }
    }

    /// Runs pg_promote() on server `server` (after the check in flight, if any).
    private func promote(cluster: String, server: Int) {
        guard var probe = self.clusters[cluster], server < probe.connections.count else { return }
        let connection = probe.connections[server]
        guard !connection.isBusy else {
            probe.pendingPromotions.insert(server)
            self.clusters[cluster] = probe
            return
        }
        probe.pendingPromotions.remove(server)
        self.clusters[cluster] = probe
        connection.run("SELECT pg_catalog.pg_promote(true, 60)", timeoutNs: 65_000_000_000) { [unowned self] result in
            guard var probe = self.clusters[cluster], probe.connections[server] === connection else { return }
            let now = self.loop.now
            var events: [HealthEvent] = []
            switch result {
            case .success(let rows) where rows.firstText == "t":
                self.logger.warning("promoted replica", metadata: ["cluster": "\(cluster)", "server": "\(connection.serverName)"])
                probe.nextCheck[server] = 0
            case .success:
                events = probe.health.promotionFailed(server: server, now: now)
            case .failure(let failure):
                self.logger.error(
                    "promotion failed",
                    metadata: ["cluster": "\(cluster)", "server": "\(connection.serverName)", "error": "\(failure.message)"]
                )
                events = probe.health.promotionFailed(server: server, now: now)
            }
            self.handle(events, cluster: cluster, probe: &probe)
            self.clusters[cluster] = probe
            self.publish(cluster)
        }
    }

    /// Logs events and runs promotions.
    private func handle(_ events: [HealthEvent], cluster: String, probe: inout ClusterProbe) {
        func name(_ index: Int?) -> String { index.map { probe.entry.servers[$0].name } ?? "none" }
        for event in events {
            switch event {
            case .serverDown(let server):
                self.logger.warning("server down", metadata: ["cluster": "\(cluster)", "server": "\(name(server))"])
            case .serverUp(let server):
                self.logger.info("server up", metadata: ["cluster": "\(cluster)", "server": "\(name(server))"])
                if let config = self.config, probe.health.view.primary == server {
                    // A primary that comes back may hold prepared transactions decided meanwhile.
                    self.loop.afterPass { [unowned self] in self.recovery.recover(cluster: cluster, server: server, config: config) }
                }
            case .serverFenced(let server, let reason):
                self.logger.warning(
                    "server fenced: it is not in recovery while another primary serves the cluster; it gets no traffic",
                    metadata: ["cluster": "\(cluster)", "server": "\(name(server))", "reason": "\(reason)"]
                )
            case .serverUnfenced(let server, let reason):
                self.logger.info("server unfenced", metadata: ["cluster": "\(cluster)", "server": "\(name(server))", "reason": "\(reason)"])
            case .primaryChanged(let old, let new):
                self.logger.warning("primary changed", metadata: ["cluster": "\(cluster)", "old": "\(name(old))", "new": "\(name(new))"])
            case .lagExceeded(let server, let lag):
                self.logger.warning("replica lag over the limit", metadata: ["cluster": "\(cluster)", "server": "\(name(server))", "lag.bytes": "\(lag)"])
            case .lagRecovered(let server, let lag):
                self.logger.info("replica lag back under the limit", metadata: ["cluster": "\(cluster)", "server": "\(name(server))", "lag.bytes": "\(lag)"])
            case .promote(let server):
                self.logger.warning("promoting replica", metadata: ["cluster": "\(cluster)", "server": "\(name(server))"])
                let promote = { [unowned self] in self.promote(cluster: cluster, server: server) }
                self.loop.afterPass(promote)
            }
        }
    }

    /// Sends the cluster's view to every loop when it changed.
    private func publish(_ cluster: String) {
        guard var probe = self.clusters[cluster] else { return }
        let view = probe.health.view
        guard view != probe.published else { return }
        probe.published = view
        self.clusters[cluster] = probe
        self.publishedViews(cluster, view)
        self.shared.postToAll { context in context.topologyChanged(cluster: cluster, view: view) }
    }
}

/// Why a health check failed, for the log.
struct CheckFailure: Error {
    var reason: String
}
