// Pool: one loop's server connections for one pool key, its waiting clients, and hand-overs to other loops.
import DequeModule
import SwitchyardAdmin
import SwitchyardIO
import SwitchyardSession
import SwitchyardWire

/// The server connections of one pool on one loop.
///
/// The pool's size limit is process-wide (`PoolBudget`); a loop whose clients wait while another
/// loop holds idle connections gets one handed over instead of exceeding the limit.
final class Pool {
    let key: PoolKey
    unowned let context: LoopContext
    let budget: PoolBudget
    /// What the proxy answers when a server asks it to authenticate.
    var credentials: ServerLoginCredentials
    /// The cluster and server index this pool's server has in the configuration, for reporting
    /// connection errors to the health checks.
    var origin: (cluster: String, server: Int)? {
        didSet { self.slot = nil }
    }
    private var slot: ServerSlot?

    /// The server's host as configured (the key's name without its port).
    var serverHost: String {
        if let origin = self.origin, let cluster = self.context.config.clusters[origin.cluster],
            origin.server < cluster.servers.count
        {
            return cluster.servers[origin.server].host
        }
        return self.key.address.host
    }

    /// This pool's server in the loop's counters.
    var counterSlot: ServerSlot {
        if let slot = self.slot { return slot }
        let server = self.origin.flatMap { origin in
            self.context.config.clusters[origin.cluster].map { (origin.cluster, $0.servers[origin.server]) }
        }
        let key = ServerKey(
            cluster: server?.0 ?? "",
            host: server?.1.host ?? self.key.serverName,
            port: server?.1.port ?? Int(self.key.address.port)
        )
        let slot = self.context.counters.slot(for: key)
        self.slot = slot
        return slot
    }
    /// Idle connections, most recently used last.
    private(set) var idle: [ServerConnection] = []
    /// Clients waiting for a connection, first come first served.
    private(set) var waiters: Deque<ClientConnection> = []
    /// Connections being opened.
    private(set) var connecting = 0
    /// Connections of this pool on this loop, leased or not (connecting ones excluded).
    private(set) var openCount = 0
    /// When the last connect attempt failed, and why, to pace retries and explain waits.
    private(set) var lastFailure: (time: UInt64, error: ServerLoginError)?
    private var isWanting = false
    /// The pool's server left the configuration: connections close when released.
    var isRetired = false

    /// Connect attempts after a failure wait this long.
    private static let retryDelay: UInt64 = 250_000_000

    init(key: PoolKey, context: LoopContext, budget: PoolBudget, credentials: ServerLoginCredentials) {
        self.key = key
        self.context = context
        self.budget = budget
        self.credentials = credentials
    }

    var waiterCount: Int { self.waiters.count }
    /// Connections leased out (open on this loop and not idle).
    var activeCount: Int { self.openCount - self.idle.count }
    var idleCount: Int { self.idle.count }

    // MARK: - Leasing

    /// Gives `client` a connection now, or queues it until one is free.
    func lease(for client: ClientConnection) {
        while let server = self.idle.popLast() {
            if server.isClosed { continue }
            self.grant(server, to: client)
            return
        }
        client.leaseTicket = self.budget.nextTicket()
        self.waiters.append(client)
        self.openMore()
    }

    /// Takes a waiting client out of the queue (it left, or its wait timed out).
    func cancelWait(_ client: ClientConnection) {
        if let index = self.waiters.firstIndex(where: { $0 === client }) {
            self.waiters.remove(at: index)
        }
        if self.waiters.isEmpty { self.stopWanting() }
    }

    /// Removes and returns every waiting client (their server went away).
    func takeWaiters() -> [ClientConnection] {
        let waiters = Array(self.waiters)
        self.waiters.removeAll()
        self.stopWanting()
        return waiters
    }

    /// A connection came back: to the next waiter, to a loop that wants one, or to the idle list.
    func release(_ server: ServerConnection) {
        guard !server.isClosed else { return }
        if self.isRetired || self.budget.openCount > self.budget.currentLimit {
            // The server left the configuration, or pool_size shrank on reload.
            server.terminate()
            return
        }
        server.phase = .idle
        server.idleSince = self.context.loop.now
        if let client = self.waiters.first {
            // Clients of every loop are served about in the order they started waiting: another
            // loop's client gets the connection once it has waited more than a few lease requests
            // longer than this loop's first. Strict order would move a connection between loops on
            // about every other release under load (a deregistration, a post and a registration
            // each time); the slack keeps connections on their loop while the loops are balanced
            // and still moves them when one falls behind.
            let slack = UInt64(max(4, self.budget.currentLimit))
            if self.budget.hasWants, client.leaseTicket > slack,
                let loop = self.budget.popWant(excluding: self.context.loop.index, olderThan: client.leaseTicket - slack)
            {
                self.handOver(server, toLoop: loop)
                return
            }
            self.waiters.removeFirst()
            if self.waiters.isEmpty {
                self.stopWanting()
            } else if self.isWanting, let next = self.waiters.first {
                self.budget.addWant(loop: self.context.loop.index, ticket: next.leaseTicket)
            }
            self.grant(server, to: client)
            return
        }
        if self.budget.hasWants, let loop = self.budget.popWant(excluding: self.context.loop.index) {
            self.handOver(server, toLoop: loop)
            return
        }
        self.idle.append(server)
    }

    private func grant(_ server: ServerConnection, to client: ClientConnection) {
        server.phase = .leased
        client.leaseGranted(server)
    }

    // MARK: - Opening connections

    /// Opens connections until every waiter has one coming, within the budget.
    func openMore() {
        let now = self.context.loop.now
        if let failure = self.lastFailure, now &- failure.time < Self.retryDelay { return }
        while self.waiters.count > self.connecting {
            guard self.budget.tryAcquire() else {
                self.startWanting()
                return
            }
            self.connecting += 1
            self.context.openServerConnection(for: self)
        }
    }

    func connectSucceeded(_ server: ServerConnection) {
        self.connecting -= 1
        self.openCount += 1
        self.lastFailure = nil
        self.release(server)
    }

    func connectFailed(error: ServerLoginError) {
        self.connecting -= 1
        // A server refusing logins because it is starting or stopping (57P03, 57P01...) is a
        // server going away, not a refusal of these clients: their wait goes on, and they are
        // routed elsewhere once the health checks mark it down.
        var isGoingAway = false
        switch error {
        case .unreachable, .timedOut:
            self.reportTrafficError()
        case .rejected(_, let fields):
            isGoingAway = fields.sqlState?.errorClass == "57"
            if isGoingAway { self.reportTrafficError() }
        case .authentication, .unsupportedAuthentication, .protocolViolation:
            break
        }
        self.budget.release()
        self.lastFailure = (self.context.loop.now, error)
        // A server that refuses the login outright fails its waiters now; one that cannot be
        // reached is retried until their wait runs out.
        if case .rejected = error, !isGoingAway {
            let waiters = self.waiters
            self.waiters.removeAll()
            self.stopWanting()
            for client in waiters { client.leaseFailed(error) }
        }
    }

    /// Tells the health checks that this pool's server failed under traffic.
    func reportTrafficError() {
        guard let origin = self.origin else { return }
        self.context.shared.reportTrafficError(cluster: origin.cluster, server: origin.server)
    }

    /// A connection that had opened is gone.
    func connectionClosed(_ server: ServerConnection) {
        self.openCount -= 1
        self.budget.release()
        if let index = self.idle.firstIndex(where: { $0 === server }) { self.idle.remove(at: index) }
        if !self.waiters.isEmpty { self.context.loop.afterPass { self.openMore() } }
    }

    // MARK: - Hand-over between loops

    private func startWanting() {
        guard !self.isWanting, let oldest = self.waiters.first else { return }
        self.isWanting = true
        self.budget.addWant(loop: self.context.loop.index, ticket: oldest.leaseTicket)
        let key = self.key
        let index = self.context.loop.index
        for other in 0..<self.context.shared.loopCount where other != index {
            self.context.shared.post(toLoop: other) { context in context.offerIdleConnections(for: key) }
        }
    }

    private func stopWanting() {
        guard self.isWanting else { return }
        self.isWanting = false
        self.budget.removeWant(loop: self.context.loop.index)
    }

    /// Gives idle connections to loops that want them.
    func offerIdle() {
        while self.budget.hasWants, !self.idle.isEmpty,
            let loop = self.budget.popWant(excluding: self.context.loop.index)
        {
            self.handOver(self.idle.removeLast(), toLoop: loop)
        }
    }

    private func handOver(_ server: ServerConnection, toLoop index: Int) {
        server.handOverEpoch += 1
        server.deregister()
        self.openCount -= 1
        let key = self.key
        let context = self.context
        // Posted only once this pass is over: methods of the connection may still be on this
        // loop's stack (a release from inside its own input processing), and after the post the
        // other loop owns it.
        context.loop.afterPass {
            server.releaseInboundIfEmpty()
            let transfer = ServerTransfer(server)
            context.shared.post(toLoop: index) { context in context.adoptServerConnection(transfer.take(), for: key) }
        }
    }

    /// Takes in a connection handed over by another loop.
    func adopt(_ server: ServerConnection) {
        if self.origin == nil { self.origin = server.pool.origin }
        server.pool = self
        server.context = self.context
        self.openCount += 1
        do {
            try server.register()
        } catch {
            server.close()
            return
        }
        // The giving loop took this loop's request off the list; renew it if clients remain.
        self.isWanting = false
        defer { if !self.waiters.isEmpty { self.startWanting() } }
        self.release(server)
    }

    /// Closes every idle connection (shutdown).
    func closeIdle() {
        let idle = self.idle
        self.idle.removeAll()
        for server in idle { server.terminate() }
    }

    /// Closes idle connections while the pool has more open than its (reloaded) limit; leased
    /// ones close when they come back (`release`).
    func shrinkToLimit() {
        while self.budget.openCount > self.budget.currentLimit, let oldest = self.idle.first {
            self.idle.removeFirst()
            oldest.terminate()
        }
    }

    // MARK: - Janitor

    /// Fails waiters whose wait ran out, retries connects, and closes connections idle too long.
    func tidy(now: UInt64, queryWaitNs: UInt64, idleTimeoutNs: UInt64, minimumSize: Int) {
        while let first = self.waiters.first, now >= first.leaseDeadline {
            self.waiters.removeFirst()
            if let failure = self.lastFailure {
                first.leaseFailed(failure.error)
            } else {
                first.leaseFailed(PoolWaitTimeout(server: self.key.serverName))
            }
        }
        if self.waiters.isEmpty { self.stopWanting() } else { self.openMore() }
        if idleTimeoutNs > 0 {
            while self.idle.count > 0, self.openCount > minimumSize, let oldest = self.idle.first,
                now &- oldest.idleSince > idleTimeoutNs
            {
                self.idle.removeFirst()
                oldest.terminate()
            }
        }
    }
}

/// A client waited `query_wait_timeout_ms` for a connection while every one was busy.
struct PoolWaitTimeout: ClientFacingError {
    var server: String
    var sqlState: SQLState { .queryCanceled }
    var severity: ErrorSeverity { .error }
    var message: String { "timed out waiting for a connection to server \(self.server)" }
    var hint: String? { "Raise pool_size or query_wait_timeout_ms, or shorten transactions." }
}

/// Moves a server connection from one loop to another. The sending loop gives up every
/// reference before posting, so the receiving loop is the only user from then on.
struct ServerTransfer: @unchecked Sendable {
    private let server: ServerConnection
    init(_ server: ServerConnection) { self.server = server }
    func take() -> ServerConnection { self.server }
}
