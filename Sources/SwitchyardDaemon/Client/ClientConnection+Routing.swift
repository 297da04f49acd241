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
            self.abortTransactionWithoutServer()
            self.appendReadyForQuery()
            return .consumed
        case .success(let value):
            decision = value
        }
        self.count(decision)
        if case .several = decision.shards { return self.startMultiShard(decision, analysis: analysis, text: text) }
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
        var parsedTypes: [String: [Int32]] = [:]
        /// Bound statements with their parameters, to finish shard choices that wait for them.
        var bound: [(StatementAnalysis, FrontendMessage.Bind, [Int32])] = []
        var isComplete = false
        var offset = 0
        let view = buffer.bytes
        /// The batch's messages, for a statement that may have to run on several shards.
        var shape: [FrontendMessageID] = []
        var parses: [FrontendMessage.RawParse] = []
        var describesPortal = false
        scan: while let header = try? FrameHeader.parse(view, at: offset, limit: Int.max), header.frameSize <= view.count - offset {
            let frame = UnsafeRawBufferPointer(rebasing: view[offset..<(offset + header.frameSize)])
            offset += header.frameSize
            if let id = FrontendMessageID(rawValue: header.id) { shape.append(id) }
            switch FrontendMessageID(rawValue: header.id) {
            case .describe:
                if frame.count > FrameHeader.size, frame[FrameHeader.size] == FrontendMessage.TargetKind.portal.rawValue {
                    describesPortal = true
                }
            case .parse:
                guard let parse = Self.decode(frame, FrontendMessage.RawParse.decode) else { break scan }
                parses.append(parse)
                let analysis = self.analyzeStatement(parse.query)
                parsed[parse.name] = analysis
                parsedTypes[parse.name] = parse.parameterTypes
                self.batchAnalyses[parse.name] = analysis
            case .bind:
                guard let bind = Self.decode(frame, FrontendMessage.Bind.decode) else { break scan }
                let name = bind.statement
                let known = name.isEmpty ? self.unnamedStatement : self.statements[name]
                if let analysis = parsed[name] ?? known?.analysis {
                    analyses.append(analysis)
                    bound.append((analysis, bind, parsedTypes[name] ?? known?.parameterTypes ?? []))
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
            var result = self.context.config.router.decide(analysis, context: self.routingContext)
            if case .success(let decision) = result, case .pending = decision.shards,
                let (_, bind, types) = bound.first(where: { $0.0 === analysis })
            {
                result = Self.resolveShards(decision, bind: bind, parameterTypes: types)
            }
            switch result {
            case .failure(let error):
                self.context.counters.recordRoutingError()
                self.appendError(RoutingFailure(error: error))
                self.isDiscardingUntilSync = true
                return .consumed
            case .success(let decision):
                self.count(decision)
                if case .several = decision.shards, decision.kind == .read, bound.count == 1,
                    let (_, bind, types) = bound.first, Self.isSingleExecution(shape)
                {
                    let name = bind.statement
                    let query = parses.last(where: { $0.name == name })?.query
                        ?? (name.isEmpty ? self.unnamedStatement?.query : self.statements[name]?.query)
                    if let query {
                        for parse in parses { self.registerLocally(parse, analysis: parsed[parse.name] ?? analysis) }
                        // The whole batch is answered here; the caller consumes its first message.
                        let first = (try? FrameHeader.parse(view, at: 0, limit: Int.max))??.frameSize ?? 0
                        self.inbound?.consume(offset - first)
                        return self.startMultiShardRead(
                            decision, statement: analysis, query: query, bind: bind, parameterTypes: types,
                            answersParse: !parses.isEmpty, answersDescribe: describesPortal)
                    }
                }
                if case .several(let targets) = decision.shards, bound.isEmpty, let first = targets.first {
                    // Preparing or describing only: every shard has the same tables, so one of
                    // them answers; the executions that follow run on all of them.
                    cluster = first.cluster
                    role = decision.target == .replica ? role : .primary
                    continue
                }
                if case .several = decision.shards {
                    // Other statements for several shards run as simple queries only.
                    self.context.counters.recordRoutingError()
                    self.appendError(
                        ProxyError(
                            .featureNotSupported,
                            .error,
                            "a statement for several shards cannot use the extended query protocol",
                            hint: "Send it as a simple query, or name the shard key."
                        )
                    )
                    self.isDiscardingUntilSync = true
                    return .consumed
                }
                switch analysis.kind {
                case .transaction(.begin(readOnly: true)), .transaction(.setTransaction(readOnly: true)):
                    // A read-only transaction begun through the extended protocol runs on a replica.
                    break
                default:
                    if decision.target != .replica { role = .primary }
                }
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

    /// Whether a batch is one statement run once: [Parse] Bind [Describe portal] Execute Sync.
    static func isSingleExecution(_ shape: [FrontendMessageID]) -> Bool {
        var rest = shape[...]
        if rest.first == .parse { rest = rest.dropFirst() }
        guard rest.first == .bind else { return false }
        rest = rest.dropFirst()
        if rest.first == .describe { rest = rest.dropFirst() }
        return Array(rest) == [.execute, .sync]
    }

    /// A Parse answered without a server: the client's statement is recorded.
    private func registerLocally(_ parse: FrontendMessage.RawParse, analysis: StatementAnalysis) {
        if parse.name.isEmpty {
            self.unnamedToken = self.context.makeID()
            self.unnamedStatement = ClientStatement(id: 0, query: parse.query, parameterTypes: parse.parameterTypes, analysis: analysis)
            return
        }
        let id = self.context.shared.statements.id(query: parse.query, parameterTypes: parse.parameterTypes).id
        self.statements[parse.name] = ClientStatement(id: id, query: parse.query, parameterTypes: parse.parameterTypes, analysis: analysis)
    }

    /// Finishes a shard choice that waits for Bind parameters, typed by the Parse parameter
    /// types (binary values need them) or by the key column's type.
    static func resolveShards(
        _ decision: RouteDecision,
        bind: FrontendMessage.Bind,
        parameterTypes: [Int32]
    ) -> Result<RouteDecision, RoutingError> {
        Self.withParameters(bind, types: parameterTypes) { decision.resolvingShards($0) }
    }

    /// Calls `body` with a lookup of the Bind's parameters (`$n`, 1-based) as routing values. The
    /// values are copied into one buffer that lives for the whole call, so they stay put while
    /// the router reads them.
    static func withParameters<Result>(
        _ bind: FrontendMessage.Bind,
        types parameterTypes: [Int32],
        _ body: ((Int) -> ParameterValue?) -> Result
    ) -> Result {
        let total = bind.parameters.reduce(0) { $0 + ($1?.count ?? 0) }
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(total, 1), alignment: 1)
        defer { storage.deallocate() }
        var ranges: [Range<Int>?] = []
        var offset = 0
        for parameter in bind.parameters {
            guard let parameter else {
                ranges.append(nil)
                continue
            }
            parameter.withUnsafeBytes { bytes in
                guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
                storage.baseAddress!.advanced(by: offset).copyMemory(from: source, byteCount: bytes.count)
            }
            ranges.append(offset..<(offset + parameter.count))
            offset += parameter.count
        }
        return body { number in
            let index = number - 1
            guard index >= 0, index < ranges.count else { return nil }
            let type = index < parameterTypes.count ? UInt32(bitPattern: parameterTypes[index]) : 0
            let format: ParameterValue.Format = bind.format(ofParameter: index) == 1 ? .binary : .text
            let bytes = ranges[index].map { UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(storage)[$0]) }
            return ParameterValue(bytes: bytes, format: format, typeOID: type)
        }
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
