// ClientConnection+MultiShard: a statement that runs on several shards at once — a fan-out read
// merged into one result, or a write committed on every shard atomically (two-phase commit).
import Logging
import SwitchyardAdmin
import SwitchyardHealth
import SwitchyardIO
import SwitchyardRouting
import SwitchyardSQL
import SwitchyardSession
import SwitchyardShard
import SwitchyardWire

/// One statement running on several shards: its parts, and how their answers combine.
final class MultiShardExecution {
    /// How answers combine.
    enum Kind {
        /// A read: merged by the plan (order, window, aggregates).
        case read(ResultMerger)
        /// A write: rows (RETURNING) concatenated, tags combined, then committed with 2PC.
        case write(tags: [String], sentDescription: Bool)
    }

    /// The statement on one shard.
    struct Part {
        var shard: Int
        var target: LeaseTarget
        var text: [UInt8]
        var server: ServerConnection?
        var isDone = false
    }

    /// An extended-query batch ([Parse] Bind [Describe] Execute Sync) run on every shard.
    struct Extended {
        var plan: MergePlan
        var bind: FrontendMessage.Bind
        var parameterTypes: [Int32]
        var answersDescribe: Bool
        var sentDescription = false
    }

    var kind: Kind
    var parts: [Part]
    var extended: Extended?
    /// The first error any part reported; the client gets it instead of a result.
    var failure: BackendMessage.ErrorFields?
    /// Pools the parts wait in, so a client that leaves is taken out of them.
    var waitingPools: [Pool] = []

    init(kind: Kind, parts: [Part]) {
        self.kind = kind
        self.parts = parts
    }

    func part(of server: ServerConnection) -> Int? { self.parts.firstIndex { $0.server === server } }
}

extension ClientConnection {
    /// A simple query whose decision names several shards: planned and started, or refused.
    func startMultiShard(_ decision: RouteDecision, analysis: SQLAnalysis, text: UnsafeRawBufferPointer) -> Step {
        guard case .several(let targets) = decision.shards, let statement = analysis.single else {
            return self.refuseMultiShard("a statement for several shards must be sent alone")
        }
        guard self.transactionStatus == .idle, self.deferredBegin == nil, !self.isPinned else {
            return self.refuseMultiShard("a statement for several shards cannot run inside a transaction")
        }
        let bytes = Array(text)
        var parts: [MultiShardExecution.Part] = []
        let kind: MultiShardExecution.Kind
        switch decision.kind {
        case .read:
            let plan = bytes.withUnsafeBufferPointer { FanOutPlan(text: $0, statement: statement) }
            guard let merge = plan.mergePlan else {
                if case .unsupported(let reason) = plan { return self.refuseMultiShard("cannot run on several shards: \(reason)") }
                return self.refuseMultiShard("cannot run on several shards")
            }
            let window: RowWindow
            switch merge.window() {
            case .success(let value): window = value
            case .failure(let error): return self.refuseMultiShard(error.message)
            }
            let role: LeaseTarget.Role = decision.target == .replica ? .replica : .primary
            parts = targets.map { .init(shard: $0.index, target: LeaseTarget(cluster: $0.cluster, role: role), text: merge.shardText) }
            kind = .read(ResultMerger(plan: merge, shardCount: parts.count, window: window))
        case .write, .other:
            if case .write(.modification("INSERT")) = statement.kind, let group = self.shardGroup(for: targets, statement: statement) {
                switch bytes.withUnsafeBufferPointer({ InsertSplitter.split(text: $0, statement: statement, group: group) }) {
                case .split(let inserts):
                    parts = inserts.map { insert in
                        .init(
                            shard: insert.shard,
                            target: LeaseTarget(cluster: group.clusters[insert.shard], role: .primary),
                            text: insert.text
                        )
                    }
                case .unsupported(let reason):
                    return self.refuseMultiShard("cannot split the INSERT by shard: \(reason)")
                }
            } else {
                parts = targets.map { .init(shard: $0.index, target: LeaseTarget(cluster: $0.cluster, role: .primary), text: bytes) }
            }
            if let blocked = parts.first(where: { self.preparedTransactionsDisabled(cluster: $0.target.cluster) }) {
                return self.refuseMultiShard(
                    "a write on several shards needs two-phase commit, but cluster \"\(blocked.target.cluster)\" has max_prepared_transactions = 0"
                )
            }
            kind = .write(tags: [], sentDescription: false)
        }
        let execution = MultiShardExecution(kind: kind, parts: parts)
        self.multiShard = execution
        self.isWaitingForLease = true
        self.leaseDeadline = self.context.loop.now &+ UInt64(self.context.config.queryWaitTimeoutMs) * 1_000_000
        for index in parts.indices {
            self.leasePart(index, of: execution)
            if self.multiShard !== execution { break }
        }
        return .consumed
    }

    /// An extended-query batch for several shards: every shard runs it, the rows are merged.
    func startMultiShardRead(
        _ decision: RouteDecision,
        statement: StatementAnalysis,
        query: [UInt8],
        bind: FrontendMessage.Bind,
        parameterTypes: [Int32],
        answersParse: Bool,
        answersDescribe: Bool
    ) -> Step {
        guard case .several(let targets) = decision.shards else { return self.refuseExtended("no shards") }
        guard self.transactionStatus == .idle, self.deferredBegin == nil, !self.isPinned else {
            return self.refuseExtended("a statement for several shards cannot run inside a transaction")
        }
        let plan = query.withUnsafeBufferPointer { FanOutPlan(text: $0, statement: statement) }
        guard let merge = plan.mergePlan else {
            if case .unsupported(let reason) = plan { return self.refuseExtended("cannot run on several shards: \(reason)") }
            return self.refuseExtended("cannot run on several shards")
        }
        let window: RowWindow
        switch Self.withParameters(bind, types: parameterTypes, { merge.window(parameters: $0) }) {
        case .success(let value): window = value
        case .failure(let error): return self.refuseExtended(error.message)
        }
        var writer = WireWriter()
        if answersParse { BackendMessage.encodeEmpty(.parseComplete, into: &writer) }
        BackendMessage.encodeEmpty(.bindComplete, into: &writer)
        self.appendOutput(writer.bytes)
        let role: LeaseTarget.Role = decision.target == .replica ? .replica : .primary
        let parts: [MultiShardExecution.Part] = targets.map {
            .init(shard: $0.index, target: LeaseTarget(cluster: $0.cluster, role: role), text: merge.shardText)
        }
        let execution = MultiShardExecution(
            kind: .read(ResultMerger(plan: merge, shardCount: parts.count, window: window, sendsRowDescription: false)),
            parts: parts
        )
        execution.extended = MultiShardExecution.Extended(
            plan: merge, bind: bind, parameterTypes: parameterTypes, answersDescribe: answersDescribe)
        self.multiShard = execution
        self.isWaitingForLease = true
        self.leaseDeadline = self.context.loop.now &+ UInt64(self.context.config.queryWaitTimeoutMs) * 1_000_000
        for index in parts.indices {
            self.leasePart(index, of: execution)
            if self.multiShard !== execution { break }
        }
        return .consumed
    }

    private func refuseExtended(_ message: String) -> Step {
        self.context.counters.recordRoutingError()
        self.appendError(ProxyError(.featureNotSupported, .error, message))
        self.appendReadyForQuery()
        return .consumed
    }

    /// The shard group of a sharded INSERT: the group of the table it inserts into (the first
    /// group naming it, as the router matches), provided its clusters hold every target and the
    /// statement inserts its key. Another group may share the clusters and the key column's
    /// name but place keys differently.
    private func shardGroup(for targets: [ShardTarget], statement: StatementAnalysis) -> ShardGroup? {
        let groups = self.context.config.router.table.databases[self.databaseName]?.shardGroups ?? []
        guard let table = statement.tables.first,
            let group = groups.first(where: { group in
                group.tables.contains { $0.matches(schema: table.name.schema, name: table.name.name) }
            })
        else { return nil }
        guard targets.allSatisfy({ $0.index < group.clusters.count && group.clusters[$0.index] == $0.cluster }),
            statement.shardKeys.insertedColumns.contains(where: { $0.column == group.key })
        else { return nil }
        return group
    }

    private func preparedTransactionsDisabled(cluster: String) -> Bool {
        self.primaryWithoutPreparedTransactions(cluster: cluster) != nil
    }

    private func refuseMultiShard(_ message: String) -> Step {
        self.context.counters.recordRoutingError()
        self.appendError(ProxyError(.featureNotSupported, .error, message))
        self.abortTransactionWithoutServer()
        self.appendReadyForQuery()
        return .consumed
    }

    private func leasePart(_ index: Int, of execution: MultiShardExecution) {
        let target = execution.parts[index].target
        switch self.context.chooseServer(for: target, client: self) {
        case .server(let server, _), .catchUp(let server, _):
            guard let cluster = self.context.config.clusters[target.cluster], let user = self.user else {
                return self.multiShardFailed(ProxyError(.connectionFailure, .error, "cluster \"\(target.cluster)\" is not configured"))
            }
            let credentials = cluster.credentials(user: user.name, secret: user.secret, clientKey: self.clientKey)
            let pool = self.context.pool(server: server, cluster: cluster, credentials: credentials)
            execution.waitingPools.append(pool)
            pool.lease(for: self)
        case .noPrimary:
            self.multiShardFailed(self.context.noPrimaryError(cluster: target.cluster))
        case .failed(let error):
            self.multiShardFailed(error)
        }
    }

    /// A pool granted a connection for one of the parts.
    func multiShardGranted(_ server: ServerConnection) {
        guard let execution = self.multiShard,
            let index = execution.parts.firstIndex(where: { $0.server == nil && $0.target.cluster == server.pool.origin?.cluster })
        else {
            server.pool.release(server)
            return
        }
        if let position = execution.waitingPools.firstIndex(where: { $0 === server.pool }) {
            execution.waitingPools.remove(at: position)
        }
        execution.parts[index].server = server
        server.client = self
        server.phase = .leased
        var writer = WireWriter()
        if let replay = self.settings.replay(over: server.applied) {
            FrontendMessage.Query(sql: replay).encode(into: &writer)
            server.queue.push(PendingRequest(.simpleQuery, .swallow))
            server.applied = self.settings
        }
        if case .write = execution.kind {
            FrontendMessage.Query(sql: self.transactionBegin ?? "BEGIN").encode(into: &writer)
            server.queue.push(PendingRequest(.simpleQuery, .swallow))
        }
        if let extended = execution.extended {
            var bind = extended.bind
            bind.portal = ""
            bind.statement = ""
            bind.resultFormats = extended.plan.shardResultFormats(clientFormats: extended.bind.resultFormats)
            FrontendMessage.Parse.encode(name: "", query: execution.parts[index].text, parameterTypes: extended.parameterTypes, into: &writer)
            bind.encode(into: &writer)
            FrontendMessage.Describe(kind: .portal, name: "").encode(into: &writer)
            FrontendMessage.Execute(portal: "").encode(into: &writer)
            FrontendMessage.encodeEmpty(.sync, into: &writer)
            for kind: PendingRequest.Kind in [.parse, .bind, .describePortal, .execute, .sync] {
                server.queue.push(PendingRequest(kind, .fanOut))
            }
        } else {
            writer.writeMessage(FrontendMessageID.query.rawValue) { $0.writeCString(bytes: execution.parts[index].text) }
            server.queue.push(PendingRequest(.simpleQuery, .fanOut))
        }
        server.unnamedOwner = 0
        server.appendOutput(writer.bytes)
        server.flush()
        if execution.waitingPools.isEmpty { self.isWaitingForLease = true }
    }

    /// An answer of one part.
    func multiShardMessage(from server: ServerConnection, id: UInt8, body: UnsafeRawBufferPointer) {
        guard let execution = self.multiShard, let index = execution.part(of: server) else { return }
        var reader = WireReader(body)
        switch BackendMessageID(rawValue: id) {
        case .errorResponse:
            if execution.failure == nil { execution.failure = try? BackendMessage.ErrorFields.decode(from: &reader) }
        case .rowDescription:
            guard execution.failure == nil, let description = try? BackendMessage.RowDescription.decode(from: &reader) else { return }
            if var extended = execution.extended, extended.answersDescribe, !extended.sentDescription {
                // The client's Describe gets the merged columns before any row.
                extended.sentDescription = true
                execution.extended = extended
                switch extended.plan.clientRowDescription(from: description) {
                case .success(let clientDescription):
                    var writer = WireWriter()
                    clientDescription.encode(into: &writer)
                    self.appendOutput(writer.bytes)
                case .failure(let error):
                    execution.failure = BackendMessage.ErrorFields(reporting: ProxyError(error.sqlState, .error, error.message))
                    return
                }
            }
            switch execution.kind {
            case .read(var merger):
                self.emit(merger.rowDescriptionReceived(shard: index, description), execution)
                execution.kind = .read(merger)
            case .write(let tags, let sent):
                if !sent {
                    var writer = WireWriter()
                    description.encode(into: &writer)
                    self.appendOutput(writer.bytes)
                }
                execution.kind = .write(tags: tags, sentDescription: true)
            }
        case .dataRow:
            guard execution.failure == nil else { return }
            var frame = [UInt8](repeating: 0, count: body.count + FrameHeader.size)
            var writer = WireWriter(capacity: frame.count)
            writer.writeMessage(id) { $0.writeBytes(body) }
            frame = writer.bytes
            switch execution.kind {
            case .read(var merger):
                do {
                    let row = try ShardRow(frame: frame)
                    self.emit(merger.dataRowReceived(shard: index, row), execution)
                } catch {
                    execution.failure = BackendMessage.ErrorFields(reporting: ProxyError(.internalError, .error, error.message))
                }
                execution.kind = .read(merger)
            case .write:
                self.appendOutput(frame)
            }
        case .commandComplete:
            guard execution.failure == nil else { return }
            switch execution.kind {
            case .read(var merger):
                self.emit(merger.commandCompleteReceived(shard: index), execution)
                execution.kind = .read(merger)
            case .write(var tags, let sent):
                if let tag = try? BackendMessage.CommandComplete.decode(from: &reader).tag { tags.append(tag) }
                execution.kind = .write(tags: tags, sentDescription: sent)
            }
        default:
            break
        }
    }

    private func emit(_ actions: [ResultMerger.Action], _ execution: MultiShardExecution) {
        var writer = WireWriter()
        for action in actions {
            switch action {
            case .sendRowDescription(let description): description.encode(into: &writer)
            case .sendDataRow(let frame): writer.writeBytes(frame)
            case .sendCommandComplete(let complete): complete.encode(into: &writer)
            case .fail(let error):
                execution.failure = BackendMessage.ErrorFields(reporting: ProxyError(error.sqlState, .error, error.message))
            }
        }
        if writer.count > 0 { self.appendOutput(writer.bytes) }
    }

    /// One part finished (its ReadyForQuery came).
    func multiShardPartDone(_ server: ServerConnection) {
        guard let execution = self.multiShard, let index = execution.part(of: server) else { return }
        execution.parts[index].isDone = true
        guard execution.parts.allSatisfy(\.isDone) else { return }
        let servers = execution.parts.compactMap(\.server)
        switch execution.kind {
        case .read:
            self.multiShard = nil
            self.isWaitingForLease = false
            if let failure = execution.failure { self.appendFields(failure) }
            self.appendReadyForQuery()
            self.flush()
            for server in servers { self.releasePart(server) }
            self.context.loop.afterPass { self.resumeReading() }
        case .write(let tags, _):
            if let failure = execution.failure {
                self.multiShard = nil
                self.participants = servers
                self.commit = CrossClusterCommit(stage: .rollingBack(pending: servers.count, reply: failure), participants: servers)
                for server in servers { self.injectQuery("ROLLBACK", on: server) }
                return
            }
            self.multiShard = nil
            self.participants = servers
            let tag = InsertSplitter.combinedTag(tags) ?? Self.combinedTag(tags)
            self.startTwoPhaseCommit(participants: servers, successTag: tag)
        }
    }

    /// The tag of a statement run on several shards: the first word(s) with the summed row count.
    static func combinedTag(_ tags: [String]) -> String {
        guard let first = tags.first else { return "" }
        var words = first.split(separator: " ").map(String.init)
        guard let last = words.last, Int(last) != nil else { return first }
        words[words.count - 1] = String(tags.reduce(0) { $0 + (Int($1.split(separator: " ").last ?? "") ?? 0) })
        return words.joined(separator: " ")
    }

    private func appendFields(_ fields: BackendMessage.ErrorFields) {
        var writer = WireWriter()
        fields.encode(as: .errorResponse, into: &writer)
        self.appendOutput(writer.bytes)
    }

    private func releasePart(_ server: ServerConnection) {
        server.client = nil
        if server.transactionStatus == .idle && server.queue.isEmpty && !server.isDoomed {
            server.pool.release(server)
        } else {
            server.close()
        }
    }

    /// Something stopped the statement before every part ran: the parts that started are
    /// dropped (closing a connection rolls its transaction back) and the client gets `error`.
    func multiShardFailed(_ error: some ClientFacingError) {
        guard let execution = self.multiShard else { return }
        self.multiShard = nil
        self.isWaitingForLease = false
        for pool in execution.waitingPools { pool.cancelWait(self) }
        for server in execution.parts.compactMap(\.server) {
            server.client = nil
            server.close()
        }
        self.appendError(error)
        self.appendReadyForQuery()
        self.flush()
        self.context.loop.afterPass { self.resumeReading() }
    }
}
