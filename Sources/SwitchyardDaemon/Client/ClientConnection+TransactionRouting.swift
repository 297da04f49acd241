// ClientConnection+TransactionRouting: where each statement of an open transaction runs when the
// database has rules for other clusters. The transaction stays on its server; a statement naming
// another cluster's tables opens a transaction there too (a participant, SPEC §3 "Transactions"),
// and the transaction behaves as one PostgreSQL transaction: an error aborts all of it.
import Logging
import SwitchyardAdmin
import SwitchyardHealth
import SwitchyardIO
import SwitchyardRouting
import SwitchyardSQL
import SwitchyardSession
import SwitchyardWire

extension ClientConnection {
    /// At the start of a simple query inside a transaction: COMMIT/ROLLBACK of a transaction that
    /// spans clusters is handled here, savepoint commands reach every participant, and a statement
    /// naming another cluster's tables moves the link to that cluster's participant (opening it
    /// first). A statement naming no table runs where the transaction is. Returns `nil` to
    /// forward the statement to `current` as usual.
    func routeWithinTransaction(_ id: UInt8, frame: UnsafeRawBufferPointer, current: ServerConnection) -> Step? {
        guard id == FrontendMessageID.query.rawValue else { return nil }
        let text = Self.queryText(frame)
        let analysis = self.context.classifier.analyze(text)
        if let statement = analysis.single, case .transaction(let command) = statement.kind,
            let step = self.transactionCommandAcrossClusters(command, text: text, current: current)
        {
            return step
        }
        let context = RoutingContext(database: self.databaseName, overrides: self.overrides, transaction: .readWrite)
        let decision: RouteDecision
        switch self.context.config.router.decide(analysis, context: context) {
        case .failure(let error):
            // PostgreSQL aborts a transaction on any error; a statement the proxy refuses too.
            return self.raiseInTransaction(RoutingFailure(error: error), on: current)
        case .success(let value):
            decision = value
        }
        guard Self.namesCluster(decision, analysis) else {
            // Transaction control, savepoints, SET LOCAL, SELECT now(): where the transaction is.
            if let statement = analysis.single, case .transaction(let command) = statement.kind { self.trackSavepoint(command) }
            return nil
        }
        guard let cluster = decision.cluster else {
            guard case .several = decision.shards else { return nil }
            return self.raiseInTransaction(
                ProxyError(.featureNotSupported, .error, "a statement for several shards cannot run inside a transaction"),
                on: current
            )
        }
        guard let currentCluster = current.pool.origin?.cluster, cluster != currentCluster else { return nil }
        // An aborted transaction is aborted on every cluster: its server answers 25P02.
        guard self.transactionStatus != .failed else { return nil }
        guard self.database?.allowsCrossClusterTransactions ?? false else {
            return self.raiseInTransaction(
                ProxyError(
                    .featureNotSupported, .error, "transaction would span clusters \"\(currentCluster)\" and \"\(cluster)\"",
                    hint: "cross_cluster_transactions is \"error\" for database \"\(self.databaseName)\"."
                ),
                on: current
            )
        }
        let involved = Set((self.participants + [current]).compactMap { $0.pool.origin?.cluster } + [cluster])
        if let name = involved.sorted().lazy.compactMap({ self.primaryWithoutPreparedTransactions(cluster: $0) }).first {
            return self.raiseInTransaction(
                ProxyError(
                    .featureNotSupported, .error,
                    "transaction would span clusters \"\(currentCluster)\" and \"\(cluster)\", but server \(name) has max_prepared_transactions = 0",
                    hint: "Two-phase commit needs max_prepared_transactions > 0 on every server involved."
                ),
                on: current
            )
        }
        guard current.queue.isEmpty else {
            // Answers to earlier statements are still coming from the current participant:
            // switch only once they are all through, so that answers stay in order.
            return self.waitForParticipants()
        }
        if self.participants.isEmpty { self.participants = [current] }
        if let existing = self.participants.first(where: { $0.pool.origin?.cluster == cluster }) {
            self.link = existing
            return .switched
        }
        // Open the transaction on the other cluster's primary; the statement runs there next.
        self.link = nil
        self.pendingTarget = LeaseTarget(cluster: cluster, role: .primary)
        self.isOpeningParticipant = true
        self.context.logger.debug(
            "transaction spans clusters",
            metadata: ["client.id": "\(self.id)", "cluster": "\(cluster)", "first": "\(currentCluster)"]
        )
        return .needsServer
    }

    /// Transaction control in a transaction with several participants: COMMIT and ROLLBACK end
    /// them all (once each has answered everything), savepoint commands run on each. `nil` for
    /// a transaction on one server, and for commands that run on the current participant.
    private func transactionCommandAcrossClusters(
        _ command: TransactionCommand, text: UnsafeRawBufferPointer, current: ServerConnection
    ) -> Step? {
        guard self.participants.count > 1 else { return nil }
        switch command {
        case .commit(chain: false), .rollback(chain: false):
            guard self.participantsAreIdle else { return self.waitForParticipants() }
            self.finishAcrossClusters(commit: command == .commit(chain: false))
            return .consumed
        case .savepoint, .releaseSavepoint:
            // In an aborted transaction only the current participant answers (25P02).
            if self.transactionStatus != .failed { self.runOnOtherParticipants(text, current: current) }
            return nil
        case .rollbackToSavepoint:
            self.runOnOtherParticipants(text, current: current)
            return nil
        case .commit(chain: true), .rollback(chain: true), .prepareTransaction:
            return self.raiseInTransaction(
                ProxyError(.featureNotSupported, .error, "\(command.reason) is not supported in a transaction spanning clusters"),
                on: current
            )
        case .begin, .setTransaction, .commitPrepared, .rollbackPrepared:
            return nil
        }
    }

    /// Sends a savepoint command to every participant but `current`, which the caller forwards it
    /// to: the others run it before anything else reaches them, and the client sees the current
    /// participant's answer. They hold the same savepoints (recreated when they opened), so
    /// they answer alike.
    private func runOnOtherParticipants(_ text: UnsafeRawBufferPointer, current: ServerConnection) {
        let sql = String(decoding: text, as: UTF8.self)
        for participant in self.participants where participant !== current { self.injectQuery(sql, on: participant) }
    }

    /// Whether the statement is placed by what it names — tables, or a cluster or shard hint —
    /// rather than by the database's default cluster.
    private static func namesCluster(_ decision: RouteDecision, _ analysis: SQLAnalysis) -> Bool {
        !decision.tables.isEmpty
            || analysis.statements.contains { $0.hints.cluster != nil || $0.hints.shard != nil || $0.hints.shardKey != nil }
    }

    /// The savepoints the transaction holds, kept to recreate them on a participant opened later
    /// (so that ROLLBACK TO a savepoint taken before undoes its work there too).
    private func trackSavepoint(_ command: TransactionCommand) {
        switch command {
        case .savepoint(let name) where self.transactionStatus != .failed:
            self.savepoints.append(name)
        case .releaseSavepoint(let name) where self.transactionStatus != .failed:
            if let index = self.savepoints.lastIndex(of: name) { self.savepoints.removeSubrange(index...) }
        case .rollbackToSavepoint(let name):
            if let index = self.savepoints.lastIndex(of: name) { self.savepoints.removeSubrange((index + 1)...) }
        default:
            break
        }
    }

    /// Every participant (and the current server) has answered everything sent to it.
    var participantsAreIdle: Bool {
        (self.link?.queue.isEmpty ?? true) && self.participants.allSatisfy { $0.queue.isEmpty }
    }

    /// Holds the client's input until every participant is idle (see `serverBecameReady`).
    private func waitForParticipants() -> Step {
        self.isWaitingForLease = true
        self.isWaitingForLinkIdle = true
        return .stop
    }

    /// A newly leased participant: begin its transaction, with the savepoints taken so far,
    /// before the statement that needed it.
    func participantOpened(_ server: ServerConnection) {
        self.isOpeningParticipant = false
        self.participants.append(server)
        let savepoints = self.savepoints.map { "SAVEPOINT \(SessionSettings.quoteIdentifier($0))" }
        var writer = WireWriter()
        FrontendMessage.Query(sql: ([self.transactionBegin ?? "BEGIN"] + savepoints).joined(separator: "; ")).encode(into: &writer)
        server.appendOutput(writer.bytes)
        server.queue.push(PendingRequest(.simpleQuery, .swallow))
    }

    /// The name of `cluster`'s primary when it has max_prepared_transactions = 0, so that no
    /// transaction spanning clusters can include it.
    func primaryWithoutPreparedTransactions(cluster: String) -> String? {
        guard let entry = self.context.config.clusters[cluster], let primary = self.context.topologies[cluster]?.view.primary,
            primary < entry.servers.count
        else { return nil }
        let name = entry.servers[primary].name
        return self.context.shared.preparedTransactionsDisabled(server: name) ? name : nil
    }

    /// Makes the server raise `error`, so that the transaction fails exactly as if the server
    /// had refused the statement (the client sees the ErrorResponse and ReadyForQuery 'E'; an
    /// already aborted transaction answers 25P02, as PostgreSQL would).
    private func raiseInTransaction(_ error: some ClientFacingError, on server: ServerConnection) -> Step {
        let tag = "$sy_raise$"
        func literal(_ text: String) -> String { SessionSettings.quoteLiteral(text.removingOccurrences(of: tag)) }
        var options = ["ERRCODE = \(literal(error.sqlState.code))", "MESSAGE = \(literal(error.message))"]
        if let detail = error.detail { options.append("DETAIL = \(literal(detail))") }
        if let hint = error.hint { options.append("HINT = \(literal(hint))") }
        let sql = "DO \(tag)BEGIN RAISE EXCEPTION USING \(options.joined(separator: ", ")); END\(tag)"
        var writer = WireWriter()
        FrontendMessage.Query(sql: sql).encode(into: &writer)
        server.appendOutput(writer.bytes)
        server.queue.push(PendingRequest(.simpleQuery))
        self.context.counters.recordRoutingError()
        return .consumed
    }

    /// A statement refused before the client's transaction reached any server (its BEGIN is
    /// still deferred): the transaction is aborted as if a server had refused the statement, and
    /// is answered here until it ends. Call before the ReadyForQuery that reports it.
    func abortTransactionWithoutServer() {
        guard self.deferredBegin != nil, self.link == nil else { return }
        self.deferredBegin = nil
        self.savepoints.removeAll()
        self.isTransactionLost = true
        self.owesLostConnectionError = false
        self.transactionStatus = .failed
    }
}

extension String {
    /// The text without any occurrence of `marker` (so it cannot end a dollar-quoted body).
    fileprivate func removingOccurrences(of marker: String) -> String {
        var result = self
        while let range = result.firstRange(of: marker) { result.removeSubrange(range) }
        return result
    }
}
