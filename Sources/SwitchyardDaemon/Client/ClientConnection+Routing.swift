// ClientConnection+Routing: deciding where each unit of work runs — a simple query, or an
// extended-query batch up to its Sync — and answering what needs no server at all.
import SwitchyardAdmin
import SwitchyardIO
import SwitchyardRouting
import SwitchyardSQL
import SwitchyardSession
import SwitchyardWire

/// A routing failure as the client sees it.
struct RoutingFailure: ClientFacingError {
    var error: RoutingError
    var sqlState: SQLState { SQLState(received: self.error.sqlState) ?? .featureNotSupported }
    var severity: ErrorSeverity { .error }
    var message: String { self.error.message }
}

extension ClientConnection {
    /// The session facts the router needs.
    var routingContext: RoutingContext {
        RoutingContext(database: self.databaseName, overrides: self.overrides, transaction: self.routingTransaction)
    }

    /// The SQL bytes of a Query frame (without the terminating zero).
    static func queryText(_ frame: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let end = max(FrameHeader.size, frame.count - 1)
        return UnsafeRawBufferPointer(rebasing: frame[FrameHeader.size..<end])
    }

    // MARK: - Simple query

    /// Routes the simple query at the head of the input; answers it here when no server is needed.
    func routeQuery(_ frame: UnsafeRawBufferPointer) -> Step {
        let text = Self.queryText(frame)
        let analysis = self.context.classifier.analyze(text)
        let decision: RouteDecision
        switch self.context.config.router.decide(analysis, context: self.routingContext) {
        case .failure(let error):
            self.context.counters.recordRoutingError()
            self.appendError(RoutingFailure(error: error))
            self.appendReadyForQuery()
            return .consumed
        case .success(let value):
            decision = value
        }
        self.count(decision)
        let cluster = decision.cluster ?? self.database?.cluster ?? ""
        switch decision.target {
        case .proxy:
            self.answerProxyCommand(analysis)
            return .consumed
        case .transaction:
            if let step = self.answerTransactionControl(analysis, text: text) { return step }
            self.pendingTarget = LeaseTarget(
                cluster: cluster,
                role: self.routingTransaction == .readOnly ? .replica : .primary
            )
        case .session, .primary:
            self.pendingTarget = LeaseTarget(cluster: cluster, role: .primary)
        case .replica:
            self.pendingTarget = LeaseTarget(cluster: cluster, role: .replica)
        }
        self.unitWrites = decision.kind == .write || self.unitWrites
        self.armRetry()
        return .needsServer
    }

    /// Starts timing a unit of work and notes its kind for stats.
    private func count(_ decision: RouteDecision) {
        if self.unitStartedAt == 0 {
            self.unitStartedAt = self.context.loop.now
            self.unitKind = .other
        }
        switch decision.kind {
        case .read: if self.unitKind == .other { self.unitKind = .read }
        case .write: self.unitKind = .write
        case .other: break
        }
    }

    // MARK: - Extended query batch

    /// Routes the extended-query batch at the head of the input by every statement it parses or
    /// binds up to its Sync. A batch whose Sync has not arrived yet goes to a primary.
    func routeExtendedBatch(_ buffer: IOBufferView) -> Step {
        var analyses: [StatementAnalysis] = []
        var parsed: [String: StatementAnalysis] = [:]
        var isComplete = false
        var offset = 0
        let view = buffer.bytes
        scan: while let header = try? FrameHeader.parse(view, at: offset, limit: Int.max), header.frameSize <= view.count - offset {
            let frame = UnsafeRawBufferPointer(rebasing: view[offset..<(offset + header.frameSize)])
            offset += header.frameSize
            switch FrontendMessageID(rawValue: header.id) {
            case .parse:
                guard let parse = Self.decode(frame, FrontendMessage.RawParse.decode) else { break scan }
                let analysis = self.analyzeStatement(parse.query)
                parsed[parse.name] = analysis
                self.batchAnalyses[parse.name] = analysis
            case .bind:
                var reader = WireReader(UnsafeRawBufferPointer(rebasing: frame[FrameHeader.size...]))
                guard (try? reader.readCStringRange("portal")) != nil, let name = try? reader.readCString("statement") else {
                    break scan
                }
                if let analysis = parsed[name] ?? (name.isEmpty ? self.unnamedStatement?.analysis : self.statements[name]?.analysis) {
                    analyses.append(analysis)
                }
            case .sync:
                isComplete = true
                break scan
            case .query, .terminate:
                break scan
            default:
                continue
            }
        }
        if analyses.isEmpty { analyses = Array(parsed.values) }
        let defaultCluster = self.database?.cluster ?? ""
        guard isComplete, !analyses.isEmpty else {
            self.pendingTarget = LeaseTarget(cluster: defaultCluster, role: .primary)
            return .needsServer
        }
        var cluster: String?
        var role = LeaseTarget.Role.replica
        for analysis in analyses {
            switch self.context.config.router.decide(analysis, context: self.routingContext) {
            case .failure(let error):
                self.context.counters.recordRoutingError()
                self.appendError(RoutingFailure(error: error))
                self.isDiscardingUntilSync = true
                return .consumed
            case .success(let decision):
                self.count(decision)
                if decision.target != .replica { role = .primary }
                if decision.kind == .write { self.unitWrites = true }
                // `SET switchyard.*` through the extended protocol also reaches the server, where a
                // dotted name is a harmless placeholder setting; the proxy applies it too.
                if case .proxy(let command) = analysis.kind { self.overrides.apply(command) }
                let named = decision.cluster ?? defaultCluster
                if let chosen = cluster, chosen != named {
                    self.context.counters.recordRoutingError()
                    self.appendError(
                        ProxyError(
                            .featureNotSupported,
                            .error,
                            "one extended-query batch names clusters \"\(chosen)\" and \"\(named)\"",
                            hint: "Send a Sync between statements for different clusters."
                        )
                    )
                    self.isDiscardingUntilSync = true
                    return .consumed
                }
                cluster = named
            }
        }
        self.pendingTarget = LeaseTarget(cluster: cluster ?? defaultCluster, role: role)
        self.armRetry()
        return .needsServer
    }

    /// Keeps the unit's frames for one retry when it is an autocommit read bound for a replica.
    private func armRetry() {
        guard self.pendingTarget?.role == .replica, self.transactionStatus == .idle, self.deferredBegin == nil,
            !self.isPinned, !self.hasRetried
        else {
            self.retryFrames = nil
            return
        }
        if self.retryFrames == nil { self.retryFrames = [] }
        self.retryFrames!.removeAll(keepingCapacity: true)
    }

    /// The analysis of one prepared statement's text (a single statement).
    func analyzeStatement(_ query: [UInt8]) -> StatementAnalysis {
        let analysis = self.context.classifier.analyze(query)
        if let single = analysis.single { return single }
        // Several statements cannot be prepared; PostgreSQL will refuse it. Route it as a write.
        return analysis.statements.first(where: { $0.kind.isWrite }) ?? analysis.statements.first
            ?? StatementAnalysis(kind: .empty, range: 0..<0)
    }
}

/// The readable bytes of an input buffer, for scanning ahead without consuming.
struct IOBufferView {
    let bytes: UnsafeRawBufferPointer
}
