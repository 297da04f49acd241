// Purpose: libFuzzer target for query texts: lexing and analysis (SQLAnalyzer, StatementClassifier),
// then routing (Router) and Bind-time shard resolution.

/// Input layout:
///
///     flags(1) shard(1) SQL-text [ NUL parameters ]
///     parameters = { kind(1) length(1) bytes(length) }
///
/// `flags`: bit 0 `standard_conforming_strings` off; bits 1-2 the transaction (none, read
/// only, read-write); bits 3-4 `switchyard.target` (auto, primary, replica); bit 5 sets
/// `switchyard.shard` to the `shard` byte mod 8; bit 6 the database (`app`, `solo`); bit 7 sets
/// `switchyard.cluster`. A parameter's `kind`: bit 0 binary format, bit 1 NULL, bits 2-4 its
/// type OID at Parse (unspecified, int8, int4, int2, text, varchar, bool).
enum SQLTarget {
    static func pattern(_ text: String) -> NamePattern {
        guard let pattern = NamePattern(text) else { fatalError("bad pattern \(text)") }
        return pattern
    }

    /// Routes and shard groups of every kind: bigint and text keys, pg_hash and modulo, one
    /// and several shards, globs, quoted and schema-qualified patterns.
    static let table = RoutingTable(
        databases: [
            DatabaseRouting(
                name: "app", defaultCluster: "main", readWriteSplit: true,
                writeFunctions: [pattern("audit_*"), pattern("billing.charge"), pattern("\"Touch\"")],
                shardGroups: [
                    ShardGroup(tables: [pattern("orders"), pattern("order_items")], key: "customer_id",
                               keyType: .bigint, function: .pgHash, clusters: ["s0", "s1"]),
                    ShardGroup(tables: [pattern("events"), pattern("tenant_*")], key: "tenant", keyType: .text,
                               function: .pgHash, clusters: ["e0", "e1", "e2"]),
                    ShardGroup(tables: [pattern("ledger")], key: "account_id", keyType: .bigint, function: .modulo,
                               clusters: ["l0", "l1", "l2"]),
                    ShardGroup(tables: [pattern("codes")], key: "\"Code\"", keyType: .text, function: .modulo,
                               clusters: ["c0", "c1", "c2", "c3"]),
                    ShardGroup(tables: [pattern("solo_shard.*")], key: "id", keyType: .bigint, function: .pgHash,
                               clusters: ["one"]),
                ],
                routes: [
                    TableRoute(tables: [pattern("auth_*"), pattern("django_session")], cluster: "users"),
                    TableRoute(tables: [pattern("archive.*"), pattern("orders_archive")], cluster: "archive"),
                    TableRoute(tables: [pattern("\"Legacy\"")], cluster: "legacy"),
                    TableRoute(tables: [pattern("report_??")], cluster: "reports"),
                ]),
            DatabaseRouting(name: "solo", defaultCluster: "solo", readWriteSplit: false),
        ],
        clusters: ["spare"])
    static let router = Router(table: table)
    /// Each shard cluster's index in its group and the group's shard count.
    static let shardPositions: [String: (index: Int, count: Int)] = {
        var positions: [String: (index: Int, count: Int)] = [:]
        for group in table.databases["app"]!.shardGroups {
            for (index, cluster) in group.clusters.enumerated() { positions[cluster] = (index, group.clusters.count) }
        }
        return positions
    }()

    /// One analyzer per `standard_conforming_strings` value, kept across inputs as the daemon
    /// keeps one per event loop: its scratch buffers carry over.
    ///
    /// The classifier is made per input instead: analyses kept in a cache that outlives the
    /// input are reported as leaks by LeakSanitizer, which does not see the references Swift
    /// stores with tag bits in enum payloads (`StatementKind.write` of an indirect
    /// `WriteCause`).
    nonisolated(unsafe) static var analyzers = [
        SQLAnalyzer(options: table.analyzerOptions(standardConformingStrings: true)),
        SQLAnalyzer(options: table.analyzerOptions(standardConformingStrings: false)),
    ]

    static let typeOIDs: [UInt32] = [0, 20, 23, 21, 25, 1043, 16, 0]

    static func run(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 2 else { return }
        let flags = bytes[0]
        let rest = UnsafeRawBufferPointer(rebasing: bytes[2...])
        let textEnd = rest.firstIndex(of: 0) ?? rest.count
        let text = UnsafeRawBufferPointer(rebasing: rest[..<textEnd]).assumingMemoryBound(to: UInt8.self)
        let parameters = textEnd < rest.count ? self.parameters(UnsafeRawBufferPointer(rebasing: rest[(textEnd + 1)...])) : []

        let variant = Int(flags & 1)
        let analysis = self.analyzers[variant].analyze(text)
        self.checkRanges(analysis, textCount: text.count)
        var fresh = SQLAnalyzer(options: table.analyzerOptions(standardConformingStrings: variant == 0))
        require(fresh.analyze(text) == analysis, "a fresh analyzer disagrees with a reused one")
        // Eight entries, one set: a miss, an admitting miss, then hits; statements analysed
        // alone fill the set and evict.
        let classifier = StatementClassifier(
            options: table.analyzerOptions(standardConformingStrings: variant == 0), cache: StatementCache(capacity: 8))
        for _ in 0..<3 {
            require(classifier.analyze(text) == analysis, "the classifier disagrees with the analyzer")
        }
        for statement in analysis.statements.prefix(16) {
            let part = UnsafeBufferPointer(rebasing: text[statement.range])
            let alone = classifier.analyze(part)
            require(classifier.analyze(part) == alone, "the classifier's cached analysis differs")
        }

        var overrides = SessionOverrides()
        overrides.target = [.auto, .primary, .replica, .auto][Int(flags >> 3) & 3]
        if flags & 0x20 != 0 { overrides.shard = Int(bytes[1] % 8) }
        if flags & 0x80 != 0 { overrides.cluster = "spare" }
        let transaction: RoutingContext.TransactionState = [.none, .readOnly, .readWrite, .none][Int(flags >> 1) & 3]
        let context = RoutingContext(database: flags & 0x40 == 0 ? "app" : "solo", overrides: overrides, transaction: transaction)

        self.check(self.router.decide(analysis, context: context), context: context, parameters: parameters)
        for statement in analysis.statements.prefix(16) {
            self.check(self.router.decide(statement, context: context), context: context, parameters: parameters)
        }
    }

    static func parameters(_ bytes: UnsafeRawBufferPointer) -> [ParameterValue] {
        var values: [ParameterValue] = []
        var index = 0
        while index + 2 <= bytes.count {
            let kind = bytes[index]
            let length = min(Int(bytes[index + 1]), bytes.count - index - 2)
            let value = UnsafeRawBufferPointer(rebasing: bytes[(index + 2)..<(index + 2 + length)])
            index += 2 + length
            values.append(
                ParameterValue(
                    bytes: kind & 2 != 0 ? nil : value, format: kind & 1 != 0 ? .binary : .text,
                    typeOID: self.typeOIDs[Int(kind >> 2) & 7]))
        }
        return values
    }

    /// Statements are ordered, non-empty, disjoint ranges of the text.
    static func checkRanges(_ analysis: SQLAnalysis, textCount: Int) {
        var previousEnd = 0
        for statement in analysis.statements {
            require(statement.range.lowerBound >= previousEnd, "statement range \(statement.range) overlaps the previous one")
            require(statement.range.upperBound <= textCount, "statement range \(statement.range) past the text (\(textCount))")
            require(!statement.range.isEmpty, "empty statement range")
            previousEnd = statement.range.upperBound
        }
        require(analysis.statements.count <= SQLAnalyzer.maximumStatements + 1, "\(analysis.statements.count) statements")
    }

    static func check(_ result: Result<RouteDecision, RoutingError>, context: RoutingContext, parameters: [ParameterValue]) {
        guard case .success(let decision) = result else { return }
        self.check(decision, context: context)
        guard case .pending(let pending) = decision.shards else { return }
        require(!pending.parameterNumbers.isEmpty, "pending shards without parameters")
        require(decision.cluster == nil, "pending decision with cluster \(String(describing: decision.cluster))")
        let resolved = decision.resolvingShards { number in
            number >= 1 && number <= parameters.count ? parameters[number - 1] : nil
        }
        switch resolved {
        case .success(let final):
            if case .pending = final.shards { require(false, "resolvingShards left the choice pending") }
            self.check(final, context: context)
            require(final.kind == decision.kind && final.target == decision.target, "resolving changed kind or target")
        case .failure(let error):
            require(pending.isWrite, "a read failed to resolve: \(error)")
        }
    }

    static func check(_ decision: RouteDecision, context: RoutingContext) {
        require(decision.database == context.database, "decision for database \(decision.database)")
        if decision.kind == .write { require(decision.target == .primary, "write to \(decision.target)") }
        if let cluster = decision.cluster { require(self.table.clusters.contains(cluster), "unknown cluster \(cluster)") }
        switch decision.shards {
        case .unsharded, .pending:
            break
        case .one(let target):
            require(decision.cluster == target.cluster, "one shard on \(target.cluster), cluster \(String(describing: decision.cluster))")
            self.check(target)
        case .several(let targets):
            require(targets.count >= 2, "several shards: \(targets)")
            require(decision.cluster == nil, "several shards with cluster \(String(describing: decision.cluster))")
            for target in targets { self.check(target) }
            for (lhs, rhs) in zip(targets, targets.dropFirst()) {
                require(lhs.index < rhs.index, "shards not in order: \(targets)")
            }
        }
    }

    static func check(_ target: ShardTarget) {
        guard let position = self.shardPositions[target.cluster] else {
            require(false, "shard on non-shard cluster \(target.cluster)")
            return
        }
        require(target.index == position.index, "shard \(target.index) on \(target.cluster), shard \(position.index) of its group")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSQL(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
    guard let data else { return 0 }
    SQLTarget.run(UnsafeRawBufferPointer(start: data, count: count))
    return 0
}
