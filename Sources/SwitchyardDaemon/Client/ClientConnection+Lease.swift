// ClientConnection+Lease: getting a server connection for a unit of work, giving it back, losing it.
import SwitchyardRouting
import SwitchyardSQL
import Logging
import SwitchyardAdmin
import SwitchyardHealth
import SwitchyardIO
import SwitchyardSession
import SwitchyardWire

extension ClientConnection {
    /// Asks for a server connection for `pendingTarget` (the default cluster's primary when the
    /// routing left none); processing resumes when it arrives.
    func requestLease() {
        guard !self.isWaitingForLease, let database = self.database else { return }
        let target = self.pendingTarget ?? LeaseTarget(cluster: database.cluster, role: .primary)
        self.isWaitingForLease = true
        self.leaseDeadline = self.context.loop.now &+ UInt64(self.context.config.queryWaitTimeoutMs) * 1_000_000
        self.lease(target)
    }

    /// Tries again after a primary appeared.
    func retryLease() {
        guard self.isWaitingForLease, let database = self.database else { return }
        self.lease(self.pendingTarget ?? LeaseTarget(cluster: database.cluster, role: .primary))
    }

    private func lease(_ target: LeaseTarget) {
        if self.context.pausedClusters.contains(target.cluster) {
            // PAUSE: held until RESUME, however long; running transactions are not affected.
            self.context.pauseWaiters[target.cluster, default: []].append(self)
            return
        }
        self.parked.removeAll { $0.isClosed }
        if let index = self.parked.firstIndex(where: { self.context.serves(target, with: $0) }) {
            let server = self.parked.remove(at: index)
            self.linkTarget = target
            self.leaseGranted(server)
            return
        }
        switch self.context.chooseServer(for: target, client: self) {
        case .server(let index, let reason):
            self.catchUpPosition = nil
            guard let cluster = self.context.config.clusters[target.cluster], let user = self.user else {
                self.leaseFailed(ProxyError(.connectionFailure, .error, "cluster \"\(target.cluster)\" is not configured"))
                return
            }
            if let reason { self.context.counters.recordPrimaryRead(reason) }
            let credentials = cluster.credentials(user: user.name, secret: user.secret, clientKey: self.clientKey)
            let pool = self.context.pool(server: index, cluster: cluster, credentials: credentials)
            self.linkTarget = target
            if let kept = self.parked.firstIndex(where: { $0.pool === pool }) {
                // Session mode: the chosen server is one this client already holds a connection to.
                self.leaseGranted(self.parked.remove(at: kept))
                return
            }
            self.waitingPool = pool
            pool.lease(for: self)
        case .catchUp(let index, let position):
            guard let cluster = self.context.config.clusters[target.cluster], let user = self.user else { return }
            let credentials = cluster.credentials(user: user.name, secret: user.secret, clientKey: self.clientKey)
            let pool = self.context.pool(server: index, cluster: cluster, credentials: credentials)
            self.linkTarget = target
            self.catchUpPosition = position
            self.waitingPool = pool
            pool.lease(for: self)
        case .noPrimary:
            self.context.waitForPrimary(self, cluster: target.cluster)
        case .failed(let error):
            self.leaseFailed(error)
        }
    }

    /// Stops waiting (the client left or its wait ended).
    func cancelLeaseWait() {
        self.catchUpPosition = nil
        guard self.isWaitingForLease else { return }
        self.isWaitingForLease = false
        self.waitingPool?.cancelWait(self)
        self.waitingPool = nil
        self.context.cancelPrimaryWait(self)
        for (cluster, waiters) in self.context.pauseWaiters where waiters.contains(where: { $0 === self }) {
            self.context.pauseWaiters[cluster] = waiters.filter { $0 !== self }
        }
    }

    /// The pool gave this client `server`.
    func leaseGranted(_ server: ServerConnection) {
        if self.multiShard != nil {
            self.multiShardGranted(server)
            return
        }
        self.isWaitingForLease = false
        self.waitingPool = nil
        if case .awaitingServerParameters = self.phase {
            // The connection only had to exist: its login told the pool what to report.
            self.finishLogin()
            self.flush()
            if self.context.config.poolMode == .session {
                server.client = self
                server.phase = .leased
                self.parked.append(server)
            } else {
                server.pool.release(server)
            }
            return
        }
        self.attach(server)
        if self.isOpeningParticipant { self.participantOpened(server) }
        if let position = self.catchUpPosition {
            self.checkCatchUp(on: server, position: position)
            return
        }
        // A grant from inside processing continues that loop; a later one restarts it.
        if !self.isProcessing {
            self.context.loop.afterPass { self.resumeReading() }
        }
    }

    /// Asks the replica whether it replayed `position`, waiting for it a few milliseconds; the
    /// unit stays held until the answer says whether it runs there or on the primary.
    private func checkCatchUp(on server: ServerConnection, position: UInt64) {
        self.isWaitingForLease = true
        self.isCheckingCatchUp = true
        self.catchUpReplayed = nil
        // A replica on the same network replays a commit within a millisecond or two: wait up to
        // about 5 ms (pg_sleep sleeps at least 1 ms), then answer the replay position.
        let lsn = "'\(LSN.format(position))'::pg_catalog.pg_lsn"
        let sql = """
            DO $$BEGIN FOR i IN 1..5 LOOP EXIT WHEN pg_catalog.pg_last_wal_replay_lsn() >= \(lsn); \
            PERFORM pg_catalog.pg_sleep(0.001); END LOOP; END$$; \
            SELECT pg_catalog.pg_last_wal_replay_lsn()
            """
        var writer = WireWriter()
        FrontendMessage.Query(sql: sql).encode(into: &writer)
        server.appendOutput(writer.bytes)
        server.queue.push(PendingRequest(.simpleQuery, .probe))
        server.flush()
    }

    /// The catch-up check finished: run the held unit on the replica, or on the primary.
    private func catchUpChecked(on server: ServerConnection) {
        self.isCheckingCatchUp = false
        let position = self.catchUpPosition
        self.catchUpPosition = nil
        self.isWaitingForLease = false
        let replayed = self.catchUpReplayed ?? 0
        if let origin = server.pool.origin {
            self.context.catchUpAnswered(
                cluster: origin.cluster, server: origin.server, replayed: replayed,
                reached: position.map { replayed >= $0 } ?? false)
        }
        if let position, replayed >= position {
            // Runs here.
        } else {
            self.context.counters.recordPrimaryRead(.readAfterWrite)
            self.unlink(server)
            server.pool.release(server)
            if let cluster = self.linkTarget?.cluster { self.pendingTarget = LeaseTarget(cluster: cluster, role: .primary) }
            self.linkTarget = nil
        }
        self.context.loop.afterPass { self.resumeReading() }
    }

    /// Links `server` to this client and brings its session to the client's: settings replayed,
    /// a deferred BEGIN sent.
    private func attach(_ server: ServerConnection) {
        self.link = server
        server.client = self
        server.phase = .leased
        var writer = WireWriter()
        if let replay = self.settings.replay(over: server.applied) {
            FrontendMessage.Query(sql: replay).encode(into: &writer)
            server.queue.push(PendingRequest(.simpleQuery, .swallow))
            server.unnamedOwner = 0
            server.applied = self.settings
        }
        if let begin = self.deferredBegin {
            self.deferredBegin = nil
            FrontendMessage.Query(sql: begin).encode(into: &writer)
            server.queue.push(PendingRequest(.simpleQuery, .swallow))
            server.unnamedOwner = 0
        }
        if writer.count > 0 { server.appendOutput(writer.bytes) }
    }

    /// No server connection came within query_wait_timeout_ms, or none could be chosen.
    func leaseFailed(_ error: some ClientFacingError) {
        if self.multiShard != nil {
            self.multiShardFailed(error)
            return
        }
        self.cancelLeaseWait()
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
    func abandonCurrentUnit(with error: some ClientFacingError) {
        self.appendError(error)
        self.pendingTarget = nil
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
        guard server === self.link else {
            // Another participant of a transaction spanning clusters finished what it was sent.
            if self.isWaitingForLinkIdle, self.participantsAreIdle {
                self.isWaitingForLinkIdle = false
                self.isWaitingForLease = false
                self.context.loop.afterPass { self.resumeReading() }
            }
            return
        }
        if self.isCheckingCatchUp {
            self.catchUpChecked(on: server)
            return
        }
        if self.isWaitingForLinkIdle {
            guard self.participantsAreIdle else { return }
            self.isWaitingForLinkIdle = false
            self.isWaitingForLease = false
            self.context.loop.afterPass { self.resumeReading() }
            return
        }
        if self.isCapturingPosition {
            self.isCapturingPosition = false
            self.isWaitingForLease = false
            self.context.loop.afterPass { self.resumeReading() }
        }
        if self.unitStartedAt != 0 {
            let slot = server.pool.counterSlot
            self.context.counters.recordQuery(slot, kind: self.unitKind, nanoseconds: self.context.loop.now &- self.unitStartedAt)
            if self.unitHadError { self.context.counters.recordError(slot) }
            self.unitStartedAt = 0
        }
        self.retryFrames = nil
        self.hasRetried = false
        self.avoidedServer = nil
        self.unitFinished(on: server)
        guard server.transactionStatus == .idle, !server.isDoomed, !self.isPinned, server.queue.isEmpty else { return }
        self.unlink(server)
        if self.context.config.poolMode == .session {
            self.parked.append(server)
        } else {
            server.pool.release(server)
        }
        self.linkTarget = nil
    }

    func unlink(_ server: ServerConnection) {
        self.link = nil
        if self.context.config.poolMode == .transaction { server.client = nil }
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

    /// A server connection of this client broke. The client keeps its connection: what was in
    /// flight fails with 08006, and a transaction that was open is over (answered here until ROLLBACK).
    func serverLost(_ server: ServerConnection, awaitingReady: Bool) {
        guard !self.isClosed else { return }
        self.parked.removeAll { $0 === server }
        if let execution = self.multiShard, execution.part(of: server) != nil {
            self.multiShardFailed(
                ProxyError(.connectionFailure, .error, "server connection lost", detail: "The server \(server.serverName) closed the connection.")
            )
            return
        }
        if let index = self.participants.firstIndex(where: { $0 === server }) {
            // One part of a transaction spanning clusters is gone: the whole transaction is.
            // The other parts roll back when their connections close.
            self.participants.remove(at: index)
            let others = self.participants
            self.participants.removeAll()
            self.commit = nil
            for other in others where other !== self.link {
                other.client = nil
                other.close()
            }
            if server !== self.link, let current = self.link {
                self.link = nil
                current.client = nil
                current.close()
                return
            }
        }
        guard server === self.link else { return }
        self.link = nil
        if self.retryUnit(after: server) { return }
        self.linkTarget = nil
        self.context.counters.recordError(server.pool.counterSlot)
        self.unitStartedAt = 0
        let error = ProxyError(
            .connectionFailure,
            .error,
            "server connection lost",
            detail: server.farewell.map { "The server \(server.serverName) closed the connection: \($0)." }
                ?? "The server \(server.serverName) closed the connection or could not be reached."
        )
        if self.transactionStatus != .idle {
            self.isTransactionLost = true
            self.transactionStatus = .failed
            // Told now if it waits for an answer; else with its next statement.
            self.owesLostConnectionError = !(awaitingReady || self.isInExtendedBatch)
            self.lostServerName = server.serverName
        }
        self.pendingSettings.removeAll()
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
        if self.isPinned {
            // What pinned the session (temporary tables, locks, LISTEN) died with the server.
            self.isPinned = false
        }
    }

    /// Puts the current unit back in front of the input to run it on another server, when it is
    /// an autocommit read of which the client has seen nothing yet. Returns whether it did.
    private func retryUnit(after server: ServerConnection) -> Bool {
        guard let frames = self.retryFrames, !frames.isEmpty, !self.hasRetried else { return false }
        let buffer = self.inboundForReading()
        self.retryFrames = nil
        self.hasRetried = true
        self.avoidedServer = server.pool.origin
        let rest = Array(buffer.readableView)
        buffer.clear()
        buffer.append(frames)
        buffer.append(rest)
        self.isInExtendedBatch = false
        self.isDiscardingUntilSync = false
        self.context.logger.info(
            "retrying a read on another server",
            metadata: ["client.id": "\(self.id)", "server": "\(server.serverName)"]
        )
        self.context.loop.afterPass { self.resumeReading() }
        return true
    }

    /// The pool this client waits in lost its server: route the unit again.
    func serverWentAway() {
        guard self.isWaitingForLease else { return }
        self.waitingPool = nil
        self.retryLease()
    }

    /// Inside a transaction whose server was lost: ROLLBACK ends it here; anything else fails.
    func answerLostTransaction(_ frame: UnsafeRawBufferPointer) -> Step {
        var writer = WireWriter()
        if frame.first == FrontendMessageID.query.rawValue,
            let query = Self.decode(frame, FrontendMessage.Query.decode),
            Self.isTransactionEnd(query.sql)
        {
            self.isTransactionLost = false
            self.owesLostConnectionError = false
            self.transactionStatus = .idle
            self.routingTransaction = .none
            self.savepoints.removeAll()
            BackendMessage.CommandComplete(tag: "ROLLBACK").encode(into: &writer)
            self.appendOutput(writer.bytes)
            self.appendReadyForQuery()
            return .consumed
        }
        if self.owesLostConnectionError {
            self.owesLostConnectionError = false
            self.appendError(
                ProxyError(
                    .connectionFailure,
                    .error,
                    "server connection lost",
                    detail: "The server \(self.lostServerName ?? "") running this transaction closed the connection; the transaction is over.",
                    hint: "Roll the transaction back and retry it."
                )
            )
        } else {
            self.appendError(
                ProxyError(.inFailedSQLTransaction, .error, "current transaction is aborted, commands ignored until end of transaction block")
            )
        }
        if frame.first == FrontendMessageID.query.rawValue || frame.first == FrontendMessageID.functionCall.rawValue {
            self.appendReadyForQuery()
        } else {
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
