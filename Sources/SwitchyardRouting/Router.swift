// Router: turns a statement analysis and the session context into a RouteDecision (pure).

import SwitchyardSQL

/// Decides where statements go. A value over an immutable `RoutingTable`: no I/O, no clock,
/// the same input always gives the same decision.
package struct Router: Sendable {
    package let table: RoutingTable
    private let rulesByDatabase: [String: CompiledRules]

    package init(table: RoutingTable) {
        self.table = table
        self.rulesByDatabase = table.databases.mapValues(CompiledRules.init)
    }

    /// `switchyard route`: decides `sql` as the first statement of a fresh session in
    /// autocommit mode.
    package func decide(sql: String, database: String) -> Result<RouteDecision, RoutingError> {
        var analyzer = SQLAnalyzer(options: self.table.analyzerOptions())
        return self.decide(analyzer.analyze(sql), context: RoutingContext(database: database))
    }

    /// Decides a whole query text: one decision for all its statements (a simple query runs
    /// them together). A text is a write if any statement is.
    package func decide(_ analysis: SQLAnalysis, context: RoutingContext) -> Result<RouteDecision, RoutingError> {
        guard let database = self.rulesByDatabase[context.database] else {
            return .failure(.unknownDatabase(context.database))
        }
        let statements = analysis.statements
        guard let first = statements.first else {
            return .success(
                RouteDecision(
                    database: context.database, kind: .other, target: .proxy, cluster: nil, reason: "empty query"))
        }
        if statements.count == 1 {
            return self.decide(first, hints: first.hints, database: database, context: context)
        }
        if statements.contains(where: { if case .proxy = $0.kind { return true } else { return false } }) {
            return .failure(.proxyCommandInMultiStatement)
        }
        // Hints anywhere in the text apply to all of it.
        var hints = RoutingHints()
        for statement in statements { hints.merge(statement.hints) }
        var decisions: [RouteDecision] = []
        decisions.reserveCapacity(statements.count)
        for statement in statements {
            switch self.decide(statement, hints: hints, database: database, context: context) {
            case .success(let decision): decisions.append(decision)
            case .failure(let error): return .failure(error)
            }
        }
        return self.merge(decisions, of: statements, database: database)
    }

    /// Decides one statement (a protocol-level prepared statement, or one part of a text).
    package func decide(_ statement: StatementAnalysis, context: RoutingContext) -> Result<RouteDecision, RoutingError>
    {
        guard let database = self.rulesByDatabase[context.database] else {
            return .failure(.unknownDatabase(context.database))
        }
        return self.decide(statement, hints: statement.hints, database: database, context: context)
    }

    // MARK: - One statement

    func decide(
        _ statement: StatementAnalysis, hints: RoutingHints, database: CompiledRules, context: RoutingContext
    ) -> Result<RouteDecision, RoutingError> {
        if let item = hints.invalidItems.first { return .failure(.invalidHint(item)) }
        if let cluster = hints.cluster, !self.table.clusters.contains(cluster) {
            return .failure(.unknownCluster(cluster))
        }
        var kind: RouteDecision.Kind
        var otherTarget = RouteDecision.Target.session
        var isSchemaChange = false
        var reason = statement.reason
        switch statement.kind {
        case .proxy(let command):
            return self.decide(command, database: context.database)
        case .empty:
            return .success(
                RouteDecision(database: context.database, kind: .other, target: .proxy, cluster: nil, reason: reason))
        case .transaction:
            kind = .other
            otherTarget = .transaction
        case .session:
            kind = .other
        case .read:
            kind = .read
        case .write(let cause):
            kind = .write
            isSchemaChange = cause.isSchemaChange
        }
        if kind == .read, let function = self.configuredWriteFunction(in: statement, database: database) {
            kind = .write
            reason = "write function \(function.name)"
        }
        let place: Placement
        switch self.place(
            statement, hints: hints, database: database, context: context,
            isWrite: kind == .write, isSchemaChange: isSchemaChange)
        {
        case .success(let placement): place = placement
        case .failure(let error): return .failure(error)
        }
        let target: RouteDecision.Target
        switch kind {
        case .write:
            target = .primary
        case .other:
            target = otherTarget
        case .read:
            (target, reason) = self.readTarget(reason: reason, hints: hints, database: database, context: context)
        }
        return .success(
            RouteDecision(
                database: context.database, kind: kind, target: target, cluster: place.cluster, shards: place.shards,
                tables: statement.tableNames, reason: reason))
    }

    /// Where a read goes: hints, then the session's `switchyard.target`, then the transaction,
    /// then the database's `read_write_split`.
    private func readTarget(
        reason: String, hints: RoutingHints, database: CompiledRules, context: RoutingContext
    ) -> (RouteDecision.Target, String) {
        // A read-write transaction runs on one primary connection: its reads stay there,
        // whatever a hint asks.
        if context.transaction == .readWrite { return (.primary, "read in a read-write transaction") }
        switch hints.target {
        case .primary: return (.primary, "hint primary")
        case .replica: return (.replica, "hint replica")
        case nil: break
        }
        switch context.overrides.target {
        case .primary: return (.primary, "switchyard.target primary")
        case .replica: return (.replica, "switchyard.target replica")
        case .auto: break
        }
        if context.transaction == .readOnly { return (.replica, reason) }
        if !database.routing.readWriteSplit { return (.primary, "read_write_split off") }
        return (.replica, reason)
    }

    private func configuredWriteFunction(in statement: StatementAnalysis, database: CompiledRules) -> QualifiedName? {
        let patterns = database.routing.writeFunctions
        guard !patterns.isEmpty else { return nil }
        return statement.functions.first { function in
            patterns.contains { $0.matches(schema: function.schema, name: function.name) }
        }
    }

    /// `SET`/`RESET`/`SHOW switchyard.*`: validated here, applied by the session.
    private func decide(_ command: ProxyCommand, database: String) -> Result<RouteDecision, RoutingError> {
        switch command {
        case .unknownSetting(let name):
            return .failure(.unknownSetting(name))
        case .invalidValue(let setting, let value):
            return .failure(.invalidSettingValue(setting.rawValue, value))
        case .setCluster(let cluster) where !self.table.clusters.contains(cluster):
            return .failure(.unknownCluster(cluster))
        case .setTarget, .setCluster, .setShard, .reset, .show:
            return .success(
                RouteDecision(database: database, kind: .other, target: .proxy, cluster: nil, reason: command.reason))
        }
    }
}
