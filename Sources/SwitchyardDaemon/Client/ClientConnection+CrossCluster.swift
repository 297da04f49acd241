// ClientConnection+CrossCluster: the end of a transaction that named tables of several clusters
// (each cluster has its own transaction on its primary, see +TransactionRouting): COMMIT commits
// them all atomically with two-phase commit (SPEC §3 "Transactions"), ROLLBACK rolls them all back.
import Logging
import SwitchyardAdmin
import SwitchyardIO
import SwitchyardRouting
import SwitchyardSQL
import SwitchyardSession
import SwitchyardWire

/// The commit (or rollback) of a transaction spanning several clusters, step by step.
struct CrossClusterCommit {
    /// What the commit is waiting for.
    enum Stage {
        /// The first participant's transaction ID, which names the prepared transactions.
        case fetchingTransactionID
        /// PREPARE TRANSACTION on every participant; `failure` holds the first error.
        case preparing(pending: Int, failure: BackendMessage.ErrorFields?)
        /// COMMIT PREPARED on the first participant: the commit decision.
        case committingFirst
        /// COMMIT PREPARED on the others.
        case committingRest(pending: Int)
        /// Rolling back (ROLLBACK or ROLLBACK PREPARED) after a failure or on the client's ROLLBACK.
        case rollingBack(pending: Int, reply: BackendMessage.ErrorFields?)
    }

    var stage: Stage
    var participants: [ServerConnection]
    /// The tag the client gets when everything committed.
    var successTag = "COMMIT"
    var transactionID: String?
    var gid = ""
    /// Participants that prepared successfully (to roll back with ROLLBACK PREPARED).
    var prepared: Set<ObjectIdentifier> = []
    /// Participants whose PREPARE failed (their transaction is gone; PostgreSQL leaves the
    /// session idle either way, so the status cannot tell them apart from prepared ones).
    var refused: Set<ObjectIdentifier> = []
}

extension ClientConnection {
    /// Whether this client's database has rules that can send statements to other clusters.
    var mayCrossClusters: Bool {
        guard let table = self.context.config.router.table.databases[self.databaseName] else { return false }
        return !table.routes.isEmpty || !table.shardGroups.isEmpty
    }

    // MARK: - Commit and rollback

    /// COMMIT (two-phase across every participant) or ROLLBACK (of every participant).
    func finishAcrossClusters(commit: Bool) {
        let participants = self.participants
        self.isWaitingForLease = true
        let anyFailed = self.transactionStatus == .failed || participants.contains { $0.transactionStatus == .failed }
        var state = CrossClusterCommit(stage: .fetchingTransactionID, participants: participants)
        if !commit || anyFailed {
            // A failed transaction's COMMIT rolls back, as PostgreSQL's does (tag ROLLBACK).
            state.stage = .rollingBack(pending: participants.count, reply: nil)
            self.commit = state
            for server in participants { self.inject("ROLLBACK", on: server, probe: false) }
            return
        }
        self.commit = state
        self.inject("SELECT pg_catalog.pg_current_xact_id()", on: participants[0], probe: true)
    }

    /// Commits `participants` (each inside a transaction) with two-phase commit; the client gets
    /// `successTag` when all committed.
    func startTwoPhaseCommit(participants: [ServerConnection], successTag: String) {
        self.isWaitingForLease = true
        var state = CrossClusterCommit(stage: .fetchingTransactionID, participants: participants)
        state.successTag = successTag
        self.commit = state
        self.inject("SELECT pg_catalog.pg_current_xact_id()", on: participants[0], probe: true)
    }

    /// Sends a query whose answer the client does not see.
    func injectQuery(_ sql: String, on server: ServerConnection) {
        self.inject(sql, on: server, probe: false)
    }

    private func inject(_ sql: String, on server: ServerConnection, probe: Bool) {
        var writer = WireWriter()
        FrontendMessage.Query(sql: sql).encode(into: &writer)
        server.appendOutput(writer.bytes)
        server.queue.push(PendingRequest(.simpleQuery, probe ? .probe : .swallow))
        server.flush()
    }

    /// A value a commit query returned (the first participant's transaction ID).
    func commitProbeAnswered(_ text: String) {
        self.commit?.transactionID = text
    }

    /// A query the commit sent failed on `server`.
    func injectedQueryFailed(on server: ServerConnection, fields: BackendMessage.ErrorFields?) {
        guard var state = self.commit else { return }
        switch state.stage {
        case .preparing(let pending, let failure):
            state.stage = .preparing(pending: pending, failure: failure ?? fields)
            state.refused.insert(ObjectIdentifier(server))
        case .committingFirst:
            // The decision itself failed: nothing is committed; roll everything back.
            state.stage = .preparing(pending: 0, failure: fields)
        case .fetchingTransactionID, .committingRest, .rollingBack:
            self.context.logger.warning(
                "two-phase commit step failed",
                metadata: ["client.id": "\(self.id)", "server": "\(server.serverName)", "error": "\(fields?.message ?? "")"]
            )
        }
        self.commit = state
    }

    /// A commit query finished on `server` (its ReadyForQuery came): the next step.
    func injectedQueriesDone(on server: ServerConnection) {
        guard var state = self.commit else { return }
        switch state.stage {
        case .fetchingTransactionID:
            // Only the first participant was asked; another one finishing earlier work is not the answer.
            guard server === state.participants[0] else { return }
            guard let xid = state.transactionID, let first = state.participants[0].pool.origin?.cluster else {
                self.commit = state
                return self.abortCommit(state, reply: nil)
            }
            state.gid = TwoPhaseNames.gid(instance: self.context.shared.instanceID, firstCluster: first, transactionID: xid)
            state.stage = .preparing(pending: state.participants.count, failure: nil)
            self.commit = state
            for (index, participant) in state.participants.enumerated() {
                self.inject("PREPARE TRANSACTION \(Self.gidLiteral(state.gid, index))", on: participant, probe: false)
            }
        case .preparing(let pending, let failure):
            // Whether or not another participant failed already, this one's PREPARE may have
            // succeeded: it must then be rolled back with ROLLBACK PREPARED.
            if !state.refused.contains(ObjectIdentifier(server)), server.transactionStatus == .idle {
                state.prepared.insert(ObjectIdentifier(server))
            }
            guard pending <= 1 else {
                state.stage = .preparing(pending: pending - 1, failure: failure)
                self.commit = state
                return
            }
            if let failure {
                self.commit = state
                return self.abortCommit(state, reply: failure)
            }
            state.stage = .committingFirst
            self.commit = state
            self.inject("COMMIT PREPARED \(Self.gidLiteral(state.gid, 0))", on: state.participants[0], probe: false)
        case .committingFirst:
            guard server === state.participants[0] else { return }
            let rest = Array(state.participants.dropFirst())
            state.stage = .committingRest(pending: rest.count)
            self.commit = state
            for (index, participant) in rest.enumerated() {
                self.inject("COMMIT PREPARED \(Self.gidLiteral(state.gid, index + 1))", on: participant, probe: false)
            }
            if rest.isEmpty { self.commitFinished(tag: state.successTag, error: nil) }
        case .committingRest(let pending):
            if pending <= 1 {
                self.commitFinished(tag: state.successTag, error: nil)
            } else {
                state.stage = .committingRest(pending: pending - 1)
                self.commit = state
            }
        case .rollingBack(let pending, let reply):
            if pending <= 1 {
                self.commitFinished(tag: "ROLLBACK", error: reply)
            } else {
                state.stage = .rollingBack(pending: pending - 1, reply: reply)
                self.commit = state
            }
        }
    }

    /// A PREPARE failed (or the decision could not be taken): every participant rolls back —
    /// prepared ones with ROLLBACK PREPARED, the others with ROLLBACK — and the client gets the error.
    private func abortCommit(_ state: CrossClusterCommit, reply: BackendMessage.ErrorFields?) {
        var state = state
        state.stage = .rollingBack(pending: state.participants.count, reply: reply ?? BackendMessage.ErrorFields(
            reporting: ProxyError(.transactionRollback, .error, "could not commit the transaction on every cluster; it was rolled back")))
        self.commit = state
        for (index, participant) in state.participants.enumerated() {
            if state.prepared.contains(ObjectIdentifier(participant)) {
                self.inject("ROLLBACK PREPARED \(Self.gidLiteral(state.gid, index))", on: participant, probe: false)
            } else {
                self.inject("ROLLBACK", on: participant, probe: false)
            }
        }
    }

    /// The quoted name of participant `index`'s prepared transaction (names are unique per
    /// server, and two clusters may share one).
    private static func gidLiteral(_ gid: String, _ index: Int) -> String {
        SessionSettings.quoteLiteral("\(gid):\(index)")
    }

    /// Answers the client's COMMIT/ROLLBACK and releases every participant.
    private func commitFinished(tag: String, error: BackendMessage.ErrorFields?) {
        let participants = self.commit?.participants ?? []
        self.commit = nil
        self.participants.removeAll()
        self.link = nil
        self.linkTarget = nil
        self.isWaitingForLease = false
        self.transactionStatus = .idle
        self.routingTransaction = .none
        self.transactionBegin = nil
        self.savepoints.removeAll()
        if !self.isClosed {
            var writer = WireWriter()
            if let error {
                error.encode(as: .errorResponse, into: &writer)
            } else {
                BackendMessage.CommandComplete(tag: tag).encode(into: &writer)
            }
            self.appendOutput(writer.bytes)
            self.appendReadyForQuery()
            self.flush()
        }
        for server in participants where !server.isClosed {
            server.client = nil
            if server.transactionStatus == .idle && server.queue.isEmpty {
                server.pool.release(server)
            } else {
                server.close()
            }
        }
        self.context.loop.afterPass { self.resumeReading() }
    }
}

/// Names of the proxy's prepared transactions. The name records the first participant's
/// cluster and transaction ID, so that recovery can ask that cluster whether it committed.
enum TwoPhaseNames {
    static let prefix = "sy:"

    static func gid(instance: String, firstCluster: String, transactionID: String) -> String {
        "\(prefix)\(instance):\(transactionID):\(firstCluster)"
    }

    /// (instance, transaction ID, first cluster, participant index) of a participant's name:
    /// `gid(...)` followed by `:<index>`.
    static func parse(_ name: String) -> (instance: String, transactionID: String, firstCluster: String, participant: Int)? {
        guard name.hasPrefix(prefix), let colon = name.lastIndex(of: ":"),
            let participant = Int(name[name.index(after: colon)...])
        else { return nil }
        let parts = name[name.index(name.startIndex, offsetBy: prefix.count)..<colon]
            .split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[1].isEmpty, parts[1].allSatisfy(\.isNumber), !parts[2].isEmpty else { return nil }
        return (String(parts[0]), String(parts[1]), String(parts[2]), participant)
    }
}
