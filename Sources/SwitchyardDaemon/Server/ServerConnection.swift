// ServerConnection: one connection to a PostgreSQL server, from connect through login to pooled use.
import Logging
import SwitchyardIO
import SwitchyardSession
import SwitchyardWire

/// A server connection, owned by one loop's pool and leased to one client at a time.
final class ServerConnection: Connection {
    /// Where the connection is in its life.
    enum Phase {
        /// Non-blocking connect in progress.
        case connecting
        /// StartupMessage sent; logging in until ReadyForQuery.
        case loggingIn(ServerLoginMachine)
        /// In the pool, unleased.
        case idle
        /// Leased to `client`.
        case leased
        /// Running `DISCARD ALL` before going back to the pool.
        case resetting
        /// Closed; the object lingers only until references drop.
        case closed
    }

    let id: UInt64
    var pool: Pool
    var phase: Phase = .connecting
    /// The client this connection is leased to.
    var client: ClientConnection?
    /// Requests in flight, to match answers to them.
    var queue = ResponseQueue()
    /// The proxy's prepared statements that exist on this connection.
    var statements: ServerStatementCache
    /// Token of the client Parse that created the server's current unnamed statement (0: none).
    var unnamedOwner: UInt64 = 0
    /// The session settings last applied here.
    var applied = SessionSettings()
    /// ParameterStatus values the server reported, by name.
    var parameters: [String: String] = [:]
    var backendKey: BackendMessage.BackendKeyData?
    var transactionStatus: TransactionStatus = .idle
    /// Login (connect) deadline, then the time the connection last went idle.
    var deadline: UInt64 = 0
    var idleSince: UInt64 = 0
    /// Reading is paused because the client cannot take more bytes yet.
    var isReadPaused = false
    /// Incremented when the connection is handed to another loop; a read loop on the old loop
    /// stops when it sees the change (only the old loop writes it, before handing over).
    var handOverEpoch = 0
    /// The server sent a FATAL error and will close.
    var isDoomed = false
    /// The message of that FATAL error, for the client's 08006.
    var farewell: String?

    init(context: LoopContext, pool: Pool, id: UInt64, fd: Int32, maxPreparedStatements: Int) {
        self.pool = pool
        self.id = id
        self.statements = ServerStatementCache(capacity: maxPreparedStatements)
        super.init(context: context, fd: fd)
    }

    var key: PoolKey { self.pool.key }

    /// `host:port` of the server.
    var serverName: String { self.pool.key.serverName }

    override func handleEvents(_ events: UInt32) {
        guard !self.isClosed else { return }
        if case .connecting = self.phase {
            guard events & (EventLoop.writable | EventLoop.error | EventLoop.hangup) != 0 else { return }
            self.connectFinished()
            return
        }
        if events & EventLoop.writable != 0 && self.hasPendingOutput {
            if self.flush(), let client = self.client, client.isReadPaused {
                client.resumeReading()
            }
            if self.isClosed { return }
        }
        if events & (EventLoop.hangup | EventLoop.error) != 0 { self.peerHungUp = true }
        if events & (EventLoop.readable | EventLoop.hangup | EventLoop.error) != 0 {
            self.readAvailable()
        }
    }

    /// Reads until the socket is drained or reading must pause.
    func readAvailable() {
        let epoch = self.handOverEpoch
        while !self.isClosed && self.handOverEpoch == epoch {
            if self.isReadPaused {
                self.hasUnreadInput = true
                return
            }
            let (result, filled) = self.readOnce()
            switch result {
            case .bytes:
                self.processInput()
                if !filled && !self.peerHungUp { return }
            case .wouldBlock:
                return
            case .endOfFile:
                self.processInput()
                self.lost(reason: "server closed the connection unexpectedly")
                return
            case .failed(let error):
                self.lost(reason: "\(error)")
                return
            }
        }
    }

    /// Resumes reading once the client drained its output.
    func resumeReading() {
        guard self.isReadPaused else { return }
        self.isReadPaused = false
        let epoch = self.handOverEpoch
        self.processInput()
        if !self.isReadPaused && self.hasUnreadInput && self.handOverEpoch == epoch {
            self.hasUnreadInput = false
            self.readAvailable()
        }
    }

    /// Dispatches buffered input by phase.
    func processInput() {
        guard !self.isClosed, self.inbound != nil else { return }
        switch self.phase {
        case .connecting, .closed:
            return
        case .loggingIn:
            self.processLoginInput()
        case .leased:
            self.processLeasedInput()
        case .idle, .resetting:
            self.processUnleasedInput()
        }
        self.releaseInboundIfEmpty()
    }

    override func writeFailed(_ error: SystemCallError) {
        self.lost(reason: "\(error)")
    }

    /// The connection broke: close it and tell its client and pool.
    func lost(reason: String) {
        guard !self.isClosed else { return }
        let wasLogin: Bool
        switch self.phase {
        case .connecting, .loggingIn: wasLogin = true
        case .idle, .leased, .resetting, .closed: wasLogin = false
        }
        self.close()
        if wasLogin {
            self.pool.connectFailed(error: .unreachable(server: self.serverName, reason: reason))
        } else {
            self.context.logger.warning(
                "server connection lost",
                metadata: ["server": "\(self.serverName)", "reason": "\(reason)"]
            )
            self.pool.reportTrafficError()
        }
    }

    /// Runs `DISCARD ALL` before the connection goes back to the pool, so no session state
    /// (prepared statements, settings, temporary tables, advisory locks) reaches the next client.
    func beginReset() {
        self.client = nil
        self.phase = .resetting
        self.statements.removeAll()
        self.unnamedOwner = 0
        self.applied = SessionSettings()
        var writer = WireWriter()
        FrontendMessage.Query(sql: "DISCARD ALL").encode(into: &writer)
        self.queue.push(PendingRequest(.simpleQuery, .swallow))
        writer.bytes.withUnsafeBytes { _ = self.send($0) }
    }

    /// The reset finished: back to the pool.
    func resetFinished() {
        self.pool.release(self)
    }

    /// The login did not finish in time.
    func loginTimedOut() {
        guard !self.isClosed else { return }
        self.phase = .closed
        self.closeSocket()
        self.pool.connectFailed(error: .timedOut(server: self.serverName))
    }

    /// Ends an idle connection politely: Terminate, then close.
    func terminate() {
        guard !self.isClosed else { return }
        var writer = WireWriter()
        FrontendMessage.encodeEmpty(.terminate, into: &writer)
        writer.bytes.withUnsafeBytes { _ = self.send($0) }
        self.close()
    }

    /// Closes the socket, forgets in-flight requests, detaches the client and leaves the pool.
    func close() {
        guard !self.isClosed else { return }
        let client = self.client
        let awaitingReady = self.queue.isClientAwaitingReady
        self.client = nil
        self.phase = .closed
        self.queue.removeAll(forget: { _ in })
        self.closeSocket()
        self.pool.connectionClosed(self)
        client?.serverLost(self, awaitingReady: awaitingReady)
    }
}
