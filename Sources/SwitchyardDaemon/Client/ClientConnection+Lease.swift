// ClientConnection+Lease: getting a server connection, giving it back, and losing it.
import Logging
import SwitchyardIO
import SwitchyardSession
import SwitchyardWire

extension ClientConnection {
    /// Asks the pool for a server connection; processing resumes when it arrives.
    func requestLease() {
        guard let pool = self.pool, !self.isWaitingForLease else { return }
        self.isWaitingForLease = true
        self.leaseDeadline = self.context.loop.now &+ UInt64(self.context.config.queryWaitTimeoutMs) * 1_000_000
        pool.lease(for: self)
    }

    /// The pool gave this client `server`.
    func leaseGranted(_ server: ServerConnection) {
        self.isWaitingForLease = false
        if case .awaitingServerParameters = self.phase {
            // The connection only had to exist: its login told the pool what to report.
            self.finishLogin()
            self.flush()
            if self.context.config.poolMode == .session {
                self.attach(server)
            } else {
                server.pool.release(server)
            }
            return
        }
        self.attach(server)
        // A grant from inside processing continues that loop; a later one restarts it.
        if !self.isProcessing {
            self.context.loop.afterPass { self.resumeReading() }
        }
    }

    /// Links `server` to this client and brings its session settings to the client's.
    private func attach(_ server: ServerConnection) {
        self.link = server
        server.client = self
        server.phase = .leased
        if let replay = self.settings.replay(over: server.applied) {
            var writer = WireWriter(capacity: replay.utf8.count + 8)
            FrontendMessage.Query(sql: replay).encode(into: &writer)
            server.appendOutput(writer.bytes)
            server.queue.push(PendingRequest(.simpleQuery, .swallow))
            server.unnamedOwner = 0
            server.applied = self.settings
        }
    }

    /// No server connection came within query_wait_timeout_ms, or the server refused the login.
    func leaseFailed(_ error: some ClientFacingError) {
        self.isWaitingForLease = false
        if case .awaitingServerParameters = self.phase {
            self.fail(ProxyError(error.sqlState, .fatal, error.message, detail: error.detail, hint: error.hint))
            return
        }
        self.context.logger.info(
            "server connection wait failed",
            metadata: ["client.id": "\(self.id)", "sqlstate": "\(error.sqlState)", "error": "\(error.message)"]
        )
        self.abandonCurrentUnit(with: error)
        self.context.loop.afterPass { self.resumeReading() }
    }

    /// Fails the unit of work at the head of the input: a simple query, or an extended batch
    /// up to its Sync, as if a server had raised `error`.
    private func abandonCurrentUnit(with error: some ClientFacingError) {
        self.appendError(error)
        if let buffer = self.inbound, let header = try? FrameHeader.parse(buffer.readableView, at: 0, limit: Int.max),
            header.id == FrontendMessageID.query.rawValue || header.id == FrontendMessageID.functionCall.rawValue,
            header.frameSize <= buffer.readableBytes
        {
            buffer.consume(header.frameSize)
            self.appendReadyForQuery()
        } else {
            self.isDiscardingUntilSync = true
        }
        self.flush()
    }

    /// The linked server finished everything asked of it (ReadyForQuery, nothing pending).
    func serverBecameReady(_ server: ServerConnection) {
        guard server === self.link else { return }
        if self.context.config.poolMode == .transaction && !self.isPinned && server.transactionStatus == .idle
            && !server.isDoomed
        {
            self.unlink(server)
            server.pool.release(server)
        }
    }

    private func unlink(_ server: ServerConnection) {
        self.link = nil
        server.client = nil
    }

    /// A statement the client asked to prepare was not created (its Parse failed or was skipped).
    func statementFailed(_ id: UInt64) {
        if id == 0 {
            self.unnamedStatement = nil
            return
        }
        for (name, statement) in self.statements where statement.id == id {
            self.statements[name] = nil
        }
    }

    /// The linked server connection broke. The client keeps its connection: what was in flight
    /// fails with 08006, and a transaction that was open is over (answered here until ROLLBACK).
    func serverLost(_ server: ServerConnection, awaitingReady: Bool) {
        guard server === self.link, !self.isClosed else { return }
        self.link = nil
        let error = ProxyError(.connectionFailure, .error, "server connection lost", detail: "The server \(server.serverName) closed the connection or could not be reached.")
        let wasInTransaction = self.transactionStatus != .idle
        if wasInTransaction {
            self.isTransactionLost = true
            self.transactionStatus = .failed
        }
        if awaitingReady || self.isInExtendedBatch {
            self.appendError(error)
            if self.isInExtendedBatch && !awaitingReady {
                self.isDiscardingUntilSync = true
            } else {
                self.appendReadyForQuery()
            }
            self.isInExtendedBatch = false
        }
        self.flush()
        if self.isPinned { self.isPinned = false }
    }

    /// Inside a transaction whose server was lost: ROLLBACK ends it here; anything else fails.
    func answerLostTransaction(_ frame: UnsafeRawBufferPointer) -> Step {
        var writer = WireWriter()
        if frame.first == FrontendMessageID.query.rawValue,
            let query = Self.decode(frame, FrontendMessage.Query.decode),
            Self.isTransactionEnd(query.sql)
        {
            self.isTransactionLost = false
            self.transactionStatus = .idle
            BackendMessage.CommandComplete(tag: "ROLLBACK").encode(into: &writer)
            self.appendOutput(writer.bytes)
            self.appendReadyForQuery()
            return .consumed
        }
        let error = ProxyError(
            .inFailedSQLTransaction,
            .error,
            "current transaction is aborted, commands ignored until end of transaction block"
        )
        if frame.first == FrontendMessageID.query.rawValue || frame.first == FrontendMessageID.functionCall.rawValue {
            self.appendError(error)
            self.appendReadyForQuery()
        } else {
            self.appendError(error)
            self.isDiscardingUntilSync = true
        }
        return .consumed
    }

    /// Whether `sql` ends a transaction (ROLLBACK, ABORT, COMMIT, END), which in a lost
    /// transaction all mean rollback, as in a failed PostgreSQL transaction.
    static func isTransactionEnd(_ sql: String) -> Bool {
        var word = ""
        for character in sql.drop(while: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }) {
            if character.isLetter { word.append(character) } else { break }
        }
        switch word.lowercased() {
        case "rollback", "abort", "commit", "end": return true
        default: return false
        }
    }
}
