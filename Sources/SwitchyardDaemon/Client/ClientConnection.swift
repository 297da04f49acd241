// ClientConnection: one application connection, from startup through authentication to pooled use.
import SwitchyardAdmin
import SwitchyardIO
import SwitchyardRouting
import SwitchyardSQL
import SwitchyardSession
import SwitchyardWire

/// A statement a client prepared with the extended protocol.
struct ClientStatement {
    /// The proxy's process-wide statement ID (0 for the unnamed statement).
    var id: UInt64
    /// The query text as the client sent it, in the client's encoding.
    var query: [UInt8]
    var parameterTypes: [Int32]
    /// The statement's analysis, made once at Parse and reused at every Bind.
    var analysis: StatementAnalysis
}

/// A client connection. Confined to the loop that accepted it.
final class ClientConnection: Connection {
    /// Where the client is in its life.
    enum Phase {
        /// Waiting for SSLRequest, GSSENCRequest, CancelRequest or StartupMessage.
        case startup
        /// Answering the proxy's authentication challenge.
        case authenticating(ClientAuthExchange)
        /// Authenticated; waiting for a server to report the parameters to pass on.
        case awaitingServerParameters
        /// Logged in: statements flow.
        case ready
        /// Logged in to the admin console (database `switchyard`).
        case console
        /// Closed.
        case closed
    }

    let id: UInt64
    let peer: SocketAddress?
    var phase: Phase = .startup
    let connectedAt: UInt64
    /// Refused at accept time for exceeding max_client_connections; told so after its startup packet.
    var isOverLimit = false
    /// SSLRequest, and GSSENCRequest, were answered: as in PostgreSQL, each is answered once.
    var hasNegotiatedSSL = false
    var hasNegotiatedGSS = false

    // MARK: Identity
    var userName = ""
    var databaseName = ""
    var applicationName = ""
    /// The configured user and database, once logged in.
    var user: UserEntry?
    var database: DatabaseEntry?
    /// The ClientKey of the client's SCRAM login, to log into servers with the same secret.
    var clientKey: [UInt8]?
    /// The pool whose servers' start-up parameters the client is told at login.
    var loginPoolKey: PoolKey?
    var processID: Int32 = 0
    var secretKey: Int32 = 0

    // MARK: Session state
    /// Settings to replay on each server connection: startup parameters and SETs.
    var settings = SessionSettings()
    /// Settings from the startup packet, by lower-cased name, as sent.
    var startupValues: [String: String] = [:]
    /// The ParameterStatus values the client has been told, by name.
    var reportedParameters: [String: String] = [:]
    /// Named protocol-level prepared statements, by the client's name.
    var statements: [String: ClientStatement] = [:]
    /// The unnamed statement, and the token of the Parse that created it.
    var unnamedStatement: ClientStatement?
    var unnamedToken: UInt64 = 0
    /// The client is tied to its server connection until it disconnects.
    var isPinned = false

    // MARK: Routing
    /// `SET switchyard.*` values.
    var overrides = SessionOverrides()
    /// The transaction as routing sees it (read-only ones may run on a replica).
    var routingTransaction: RoutingContext.TransactionState = .none
    /// A BEGIN answered here, to be sent with the transaction's first statement.
    var deferredBegin: String?
    /// Where the unit of work waiting for a lease should run.
    var pendingTarget: LeaseTarget?
    /// The current unit contains a write.
    var unitWrites = false
    /// When the current unit started (0: none is being timed), and its kind, for stats.
    var unitStartedAt: UInt64 = 0
    var unitKind: QueryKind = .other
    /// An ErrorResponse reached the client during the current unit.
    var unitHadError = false
    /// The last CommandComplete tag of the unit, watched while settings changes are pending.
    var lastCommandTag: String?
    /// Settings changes waiting for their transaction to commit.
    var pendingSettings: [SettingChange] = []
    /// When the client last wrote (read_after_write = "window"), and the primary's WAL position
    /// at its last commit (read_after_write = "lsn").
    var lastWriteAt: UInt64 = 0
    var lastWritePosition: UInt64?
    /// The client's frames of the current unit, kept while the unit may still be retried on
    /// another server: an autocommit read on a replica, before any byte of its result reached
    /// the client. `nil` when the unit is not retryable.
    var retryFrames: [UInt8]?
    /// The current unit was already retried once.
    var hasRetried = false
    /// A server the retry must not use (the one that just failed).
    var avoidedServer: (cluster: String, server: Int)?
    /// Analyses of statements parsed in the batch being routed, for the Parse that follows.
    var batchAnalyses: [String: StatementAnalysis] = [:]

    // MARK: Link
    var link: ServerConnection?
    /// The target the current link was leased for.
    var linkTarget: LeaseTarget?
    /// Session mode: connections kept between units, at most one per cluster and role.
    var parked: [ServerConnection] = []
    var isWaitingForLease = false
    var waitingPool: Pool?
    /// read_after_write = "lsn": the position the leased replica must have replayed, while it is
    /// checked, and the check's answer.
    var catchUpPosition: UInt64?
    var isCheckingCatchUp = false
    /// The WAL position after a write is being fetched; the client's input waits for it.
    var isCapturingPosition = false
    /// The replay position the checked replica reported (`nil` until it answers).
    var catchUpReplayed: UInt64?
    /// A statement running on several shards, while it runs.
    var multiShard: MultiShardExecution?
    /// The servers of a transaction that spans clusters, the first one first (empty otherwise).
    var participants: [ServerConnection] = []
    /// The commit or rollback of such a transaction, while it runs.
    var commit: CrossClusterCommit?
    /// The lease under way opens another cluster's part of the transaction.
    var isOpeningParticipant = false
    /// Input waits until the current participant has answered everything.
    var isWaitingForLinkIdle = false
    /// The BEGIN that started the transaction, repeated on each further cluster.
    var transactionBegin: String?
    /// The savepoints of the open transaction, oldest first, recreated on each further cluster
    /// (tracked only where statements may reach other clusters).
    var savepoints: [String] = []
    /// The client's place in the process-wide order of waiting clients.
    var leaseTicket: UInt64 = 0
    var leaseDeadline: UInt64 = 0
    /// The transaction status the client was last told.
    var transactionStatus: TransactionStatus = .idle
    /// The client's transaction is over without a server — the server running it died, or a
    /// statement was refused before it reached one: the proxy answers until ROLLBACK.
    var isTransactionLost = false
    /// The loss has not been reported yet (the client was idle): its next statement gets 08006.
    var owesLostConnectionError = false
    var lostServerName: String?
    /// After an error inside an extended-query batch, messages are dropped until Sync.
    var isDiscardingUntilSync = false
    /// Extended-query messages were sent since the last Sync.
    var isInExtendedBatch = false
    /// Reading is paused because the server cannot take more bytes yet.
    var isReadPaused = false
    var isProcessing = false
    var lastActivity: UInt64

    init(context: LoopContext, fd: Int32, peer: SocketAddress?, id: UInt64) {
        self.id = id
        self.peer = peer
        self.connectedAt = context.loop.now
        self.lastActivity = context.loop.now
        super.init(context: context, fd: fd)
    }

    override func handleEvents(_ events: UInt32) {
        guard !self.isClosed else { return }
        if events & EventLoop.writable != 0 && self.hasPendingOutput {
            if self.flush(), let server = self.link, server.isReadPaused {
                server.resumeReading()
            }
            if self.isClosed { return }
        }
        if events & (EventLoop.hangup | EventLoop.error) != 0 { self.peerHungUp = true }
        if events & (EventLoop.readable | EventLoop.hangup | EventLoop.error) != 0 {
            self.readAvailable()
        }
    }

    /// Reads and processes until the socket is drained or processing must wait.
    func readAvailable() {
        while !self.isClosed {
            if self.isReadPaused || self.isWaitingForLease {
                self.hasUnreadInput = true
                return
            }
            let (result, filled) = self.readOnce()
            switch result {
            case .bytes:
                self.lastActivity = self.context.loop.now
                self.processInput()
                if !filled && !self.peerHungUp { return }
            case .wouldBlock:
                return
            case .endOfFile:
                self.processInput()
                self.close()
                return
            case .failed:
                self.close()
                return
            }
        }
    }

    /// Resumes after the server drained its output or a lease arrived. (Strong references to
    /// connections in deferred work are deliberate: a weak one would move every later retain
    /// of the object to the slow side-table path.)
    func resumeReading() {
        guard !self.isClosed else { return }
        self.isReadPaused = false
        self.processInput()
        if !self.isReadPaused && !self.isWaitingForLease && self.hasUnreadInput {
            self.hasUnreadInput = false
            self.readAvailable()
        }
    }

    /// Processes buffered input by phase, then writes what is pending on both sides.
    func processInput() {
        guard !self.isClosed, !self.isProcessing else { return }
        self.isProcessing = true
        defer { self.isProcessing = false }
        switch self.phase {
        case .startup, .authenticating:
            self.processLoginInput()
        case .ready:
            self.processReadyInput()
        case .console:
            self.processConsoleInput()
        case .awaitingServerParameters, .closed:
            break
        }
        if self.isClosed { return }
        if let server = self.link, server.hasPendingOutput, !server.flush(), !server.isClosed {
            self.isReadPaused = true
        }
        if self.hasPendingOutput { self.flush() }
        self.releaseInboundIfEmpty()
    }

    override func writeFailed(_ error: SystemCallError) {
        self.close()
    }

    // MARK: - Errors

    /// Appends an ErrorResponse (or NoticeResponse-free FATAL) for `error`.
    func appendError(_ error: some ClientFacingError) {
        var writer = WireWriter()
        BackendMessage.ErrorFields(reporting: error).encode(as: .errorResponse, into: &writer)
        self.appendOutput(writer.bytes)
    }

    /// Appends ReadyForQuery with the client's transaction status.
    func appendReadyForQuery() {
        var writer = WireWriter(capacity: 8)
        BackendMessage.ReadyForQuery(status: self.transactionStatus).encode(into: &writer)
        self.appendOutput(writer.bytes)
    }

    /// Sends a FATAL error and closes the connection.
    func fail(_ error: some ClientFacingError) {
        guard !self.isClosed else { return }
        self.appendError(error)
        self.flush()
        self.close()
    }

    /// Appends the bytes of a synthetic answer in its place in the response stream.
    func appendSynthetic(_ synthetic: SyntheticResponse) {
        self.retryFrames = nil
        var writer = WireWriter(capacity: 16)
        switch synthetic {
        case .parseComplete: BackendMessage.encodeEmpty(.parseComplete, into: &writer)
        case .closeComplete: BackendMessage.encodeEmpty(.closeComplete, into: &writer)
        case .error(let fields): fields.encode(as: .errorResponse, into: &writer)
        }
        self.appendOutput(writer.bytes)
    }

    // MARK: - Closing

    /// Closes the client, returning or closing its server connection.
    func close() {
        guard !self.isClosed else { return }
        self.phase = .closed
        self.cancelLeaseWait()
        if let execution = self.multiShard {
            self.multiShard = nil
            for pool in execution.waitingPools { pool.cancelWait(self) }
            for server in execution.parts.compactMap(\.server) where !server.isClosed {
                server.client = nil
                server.close()
            }
        }
        if self.commit != nil {
            // A commit under way finishes without the client, then releases its participants.
            self.link = nil
        } else {
            // The parts of a transaction spanning clusters roll back as their connections close.
            let participants = self.participants
            self.participants.removeAll()
            for server in participants where server !== self.link && !server.isClosed {
                server.client = nil
                server.close()
            }
        }
        if let server = self.link {
            self.link = nil
            server.client = nil
            self.returnOrClose(server)
        }
        let parked = self.parked
        self.parked.removeAll()
        for server in parked where !server.isClosed {
            server.client = nil
            self.returnOrClose(server)
        }
        if self.processID != 0 { self.context.shared.cancels.unregister(processID: self.processID) }
        self.context.clients[self.id] = nil
        self.context.shared.clientLeft()
        self.closeSocket()
    }

    /// A server connection the client no longer needs goes back clean, or is closed.
    private func returnOrClose(_ server: ServerConnection) {
        let isClean = server.queue.isEmpty && server.transactionStatus == .idle && !server.isDoomed
            && !server.hasPendingOutput
        guard isClean else {
            server.close()
            return
        }
        if self.context.config.poolMode == .session || self.isPinned {
            server.beginReset()
        } else {
            server.pool.release(server)
        }
    }

    // MARK: - Janitor

    /// Enforces the login and idle-in-transaction timeouts.
    func tidy(now: UInt64, loginTimeoutNs: UInt64, idleTransactionTimeoutNs: UInt64) {
        switch self.phase {
        case .startup, .authenticating, .awaitingServerParameters:
            if loginTimeoutNs > 0 && now &- self.connectedAt > loginTimeoutNs {
                self.fail(ProxyError(.queryCanceled, .fatal, "canceling authentication due to timeout"))
            }
        case .ready:
            if idleTransactionTimeoutNs > 0, let server = self.link, server.queue.isEmpty,
                self.transactionStatus != .idle, now &- self.lastActivity > idleTransactionTimeoutNs
            {
                self.fail(
                    ProxyError(.idleInTransactionSessionTimeout, .fatal, "terminating connection due to idle-in-transaction timeout")
                )
            }
        case .console, .closed:
            break
        }
    }
}
