// StatementAnalysis: everything routing needs to know about one statement, as a keepable value.

/// A possibly schema-qualified name, folded as PostgreSQL folds identifiers.
package struct QualifiedName: Hashable, Sendable, CustomStringConvertible {
    package var schema: String?
    package var name: String

    package init(schema: String? = nil, name: String) {
        self.schema = schema
        self.name = name
    }

    /// `schema.name` or `name`.
    package var description: String {
        if let schema { return "\(schema).\(name)" }
        return self.name
    }
}

/// A table (or other relation: view, sequence, index) a statement names.
package struct TableReference: Hashable, Sendable {
    package var name: QualifiedName
    /// The aliases it is given in FROM/UPDATE/DELETE/MERGE (a table may appear more than once).
    package var aliases: [String]

    package init(name: QualifiedName, aliases: [String] = []) {
        self.name = name
        self.aliases = aliases
    }
}

/// State a statement leaves on its server connection that cannot be replayed elsewhere: the
/// client must stay on that connection until it disconnects.
package struct SessionPinning: OptionSet, Hashable, Sendable {
    package let rawValue: UInt8
    package init(rawValue: UInt8) { self.rawValue = rawValue }

    /// `CREATE TEMP TABLE`, `CREATE TABLE pg_temp.x`, `SELECT ... INTO TEMP`.
    package static let temporaryTable = SessionPinning(rawValue: 1 << 0)
    /// `pg_advisory_lock`, `pg_advisory_lock_shared`, `pg_try_advisory_lock[_shared]`.
    package static let advisoryLock = SessionPinning(rawValue: 1 << 1)
    /// `DECLARE ... WITH HOLD`.
    package static let holdCursor = SessionPinning(rawValue: 1 << 2)
    package static let listen = SessionPinning(rawValue: 1 << 3)
    /// SQL-level `PREPARE`.
    package static let preparedStatement = SessionPinning(rawValue: 1 << 4)
}

/// The analysis of one statement of a query text.
///
/// An immutable reference type: the data path copies analyses out of the cache and into
/// decisions on every statement, and one reference is cheaper to copy than a dozen arrays.
package final class StatementAnalysis: Hashable, Sendable, CustomStringConvertible {
    package let kind: StatementKind
    /// Relations named, deduplicated, in order of appearance; CTE names and table functions excluded.
    package let tables: [TableReference]
    /// `tables` as display names (`name` or `schema.name`), in the same order.
    package let tableNames: [String]
    /// Functions called, deduplicated, in order of appearance.
    package let functions: [QualifiedName]
    package let hints: RoutingHints
    package let shardKeys: ShardKeyFacts
    package let pinning: SessionPinning
    /// The statement's bytes in the analysed text (without the terminating semicolon).
    package let range: Range<Int>
    /// A short human-readable reason for `kind`.
    package let reason: String

    package init(
        kind: StatementKind, range: Range<Int>, tables: [TableReference] = [], functions: [QualifiedName] = [],
        hints: RoutingHints = RoutingHints(), shardKeys: ShardKeyFacts = ShardKeyFacts(), pinning: SessionPinning = []
    ) {
        self.kind = kind
        self.range = range
        self.tables = tables
        self.tableNames = tables.map(\.name.description)
        self.functions = functions
        self.hints = hints
        self.shardKeys = shardKeys
        self.pinning = pinning
        self.reason = Self.reason(for: kind)
    }

    /// The same analysis with other hints (for hint comments found after the statement).
    func replacingHints(_ hints: RoutingHints) -> StatementAnalysis {
        StatementAnalysis(
            kind: self.kind, range: self.range, tables: self.tables, functions: self.functions, hints: hints,
            shardKeys: self.shardKeys, pinning: self.pinning)
    }

    static func reason(for kind: StatementKind) -> String {
        switch kind {
        case .read(.select): return "plain SELECT"
        case .read(.values): return "VALUES"
        case .read(.table): return "TABLE"
        case .read(.show): return "SHOW"
        case .read(.explain): return "EXPLAIN"
        case .read(.copyTo): return "COPY TO STDOUT"
        case .write(let cause): return cause.reason
        case .transaction(let command): return command.reason
        case .session(let command): return command.reason
        case .proxy(let command): return command.reason
        case .empty: return "empty query"
        }
    }

    package static func == (lhs: StatementAnalysis, rhs: StatementAnalysis) -> Bool {
        lhs === rhs
            || (lhs.kind == rhs.kind && lhs.tables == rhs.tables && lhs.functions == rhs.functions
                && lhs.hints == rhs.hints
                && lhs.shardKeys == rhs.shardKeys && lhs.pinning == rhs.pinning && lhs.range == rhs.range)
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(self.kind)
        hasher.combine(self.tables)
        hasher.combine(self.range)
    }

    package var description: String {
        "StatementAnalysis(\(self.kind), tables: \(self.tableNames), reason: \(self.reason))"
    }
}

/// The analysis of a whole query text (one or more statements separated by semicolons).
package struct SQLAnalysis: Hashable, Sendable {
    /// The statements, in order; empty statements (`;;`) are left out, so an empty text has none.
    package var statements: [StatementAnalysis]

    package init(statements: [StatementAnalysis]) {
        self.statements = statements
    }

    /// Whether any statement writes: a multi-statement text is a write if any part is.
    package var isWrite: Bool {
        self.statements.contains { $0.kind.isWrite }
    }

    /// The text's single statement, if it holds exactly one.
    package var single: StatementAnalysis? {
        self.statements.count == 1 ? self.statements[0] : nil
    }
}
