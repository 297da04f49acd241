// StatementAnalyzer: classifies one statement's tokens and collects its tables, functions and keys.

/// Analyses the tokens of one statement. Dispatches on the leading key word; query and DML
/// bodies go through `scan` (StatementAnalyzer+Scan.swift), which recurses into parentheses.
struct StatementAnalyzer {
    /// Nesting deeper than this is not analysed: the statement is treated as unrecognized (a
    /// write), which bounds recursion whatever the input.
    static let maximumNesting = 100

    let lexer: Lexer
    let tokens: UnsafeBufferPointer<Token>
    let closeIndex: UnsafeBufferPointer<Int32>
    let start: Int
    let end: Int
    let options: AnalyzerOptions

    // MARK: Findings

    var tables: [TableReference] = []
    var functions: [QualifiedName] = []
    var cteNames: Set<String> = []
    /// Positions of `tables` and members of `functions`, built once a statement names many, so
    /// that recording stays linear.
    private var tablePositions: [QualifiedName: Int] = [:]
    private var functionSet: Set<QualifiedName> = []
    private static let linearSearchLimit = 16
    var pinning: SessionPinning = []
    var shardKeys = ShardKeyFacts()
    var hasLockingClause = false
    var hasDataModifyingCTE = false
    var hasSelectInto = false
    var isTooDeep = false
    private var classifyDepth = 0
    /// False for EXPLAIN without ANALYZE: nothing runs, so no function is called and nothing
    /// can pin the session.
    var executesStatement = true

    // MARK: Top-level facts recorded by `scan` at depth 0

    /// The statement key word that starts the top-level query (after any WITH list).
    var mainKeyword: Keyword = .none
    var topLevelWhere: Range<Int>?
    /// Where the top-level WHERE clause started, while its end is not yet known.
    var openWhereStart: Int?
    var hasTopLevelSetOperation = false
    var hasTopLevelCTE = false
    /// A FROM item at depth 0 that is not a plain table (subquery, function, CTE reference).
    var hasDerivedFromItem = false

    init(
        lexer: Lexer, tokens: UnsafeBufferPointer<Token>, closeIndex: UnsafeBufferPointer<Int32>,
        start: Int, end: Int, options: AnalyzerOptions
    ) {
        self.lexer = lexer
        self.tokens = tokens
        self.closeIndex = closeIndex
        self.start = start
        self.end = end
        self.options = options
    }

    // MARK: - Token access

    @inline(__always)
    func keyword(at index: Int) -> Keyword {
        index < self.end ? self.tokens[index].keyword : .none
    }

    @inline(__always)
    func kind(at index: Int) -> TokenKind? {
        index < self.end ? self.tokens[index].kind : nil
    }

    @inline(__always)
    func isKind(_ kind: TokenKind, at index: Int) -> Bool {
        index < self.end && self.tokens[index].kind == kind
    }

    /// The index of the `)` closing the `(` at `open`, never beyond the statement.
    @inline(__always)
    func close(of open: Int) -> Int {
        min(Int(self.closeIndex[open]), self.end)
    }

    /// Whether the token at `index` is the operator spelled `text`.
    func isOperator(_ text: StaticString, at index: Int) -> Bool {
        guard index < self.end, self.tokens[index].kind == .operator else { return false }
        let token = self.tokens[index]
        guard token.end - token.start == text.utf8CodeUnitCount else { return false }
        return text.withUTF8Buffer { expected in
            for offset in 0..<expected.count where self.lexer.text[token.start + offset] != expected[offset] {
                return false
            }
            return true
        }
    }

    /// The folded name at `index` if that token can be a name.
    func name(at index: Int) -> String? {
        guard index < self.end, self.tokens[index].isName else { return nil }
        return self.lexer.name(of: self.tokens[index])
    }

    /// Parses `name`, `schema.name` or `catalog.schema.name` (the catalog is dropped). Parts
    /// after a dot may be any key word, as in PostgreSQL's `attr_name`.
    func qualifiedName(at index: Int) -> (name: QualifiedName, next: Int)? {
        guard let first = self.name(at: index) else { return nil }
        var parts = (first, String?.none, String?.none)
        var next = index + 1
        var count = 1
        while count < 3, self.isKind(.dot, at: next), let part = self.anyName(at: next + 1) {
            switch count {
            case 1: parts.1 = part
            default: parts.2 = part
            }
            count += 1
            next += 2
        }
        switch count {
        case 1: return (QualifiedName(name: parts.0), next)
        case 2: return (QualifiedName(schema: parts.0, name: parts.1!), next)
        default: return (QualifiedName(schema: parts.1, name: parts.2!), next)
        }
    }

    /// A name in a position where even reserved key words are names (after a dot).
    func anyName(at index: Int) -> String? {
        guard index < self.end else { return nil }
        switch self.tokens[index].kind {
        case .identifier, .quotedIdentifier, .unicodeIdentifier: return self.lexer.name(of: self.tokens[index])
        default: return nil
        }
    }

    /// The value of a string constant at `index`.
    func stringValue(at index: Int) -> String? {
        guard index < self.end, self.tokens[index].isStringConstant else { return nil }
        return self.lexer.stringValue(of: self.tokens[index])
    }

    // MARK: - Recording

    mutating func recordTable(_ name: QualifiedName, alias: String? = nil) {
        let existing: Int?
        if self.tables.count <= Self.linearSearchLimit {
            existing = self.tables.firstIndex { $0.name == name }
        } else {
            if self.tablePositions.isEmpty {
                for (position, table) in self.tables.enumerated() { self.tablePositions[table.name] = position }
            }
            existing = self.tablePositions[name]
        }
        if let existing {
            if let alias, !self.tables[existing].aliases.contains(alias) { self.tables[existing].aliases.append(alias) }
            return
        }
        if !self.tablePositions.isEmpty { self.tablePositions[name] = self.tables.count }
        self.tables.append(TableReference(name: name, aliases: alias.map { [$0] } ?? []))
    }

    mutating func recordFunction(_ name: QualifiedName) {
        if self.functions.count <= Self.linearSearchLimit {
            if self.functions.contains(name) { return }
        } else {
            if self.functionSet.isEmpty { self.functionSet = Set(self.functions) }
            guard self.functionSet.insert(name).inserted else { return }
        }
        self.functions.append(name)
    }

    /// Records the relation named at `index`, if any; returns the index after the name.
    @discardableResult
    mutating func recordTable(at index: Int) -> Int {
        guard let (name, next) = self.qualifiedName(at: index) else { return index }
        self.recordTable(name)
        return next
    }

    // MARK: - Analysis

    mutating func analyze(hints: RoutingHints) -> StatementAnalysis {
        let kind = self.classify(from: self.start)
        return self.finish(kind, hints: hints)
    }

    /// Classifies the statement starting at `index` (also used for the statement inside EXPLAIN
    /// and PREPARE), recording what it names along the way.
    mutating func classify(from index: Int) -> StatementKind {
        guard index < self.end else { return .empty }
        // EXPLAIN EXPLAIN ... or PREPARE ... AS PREPARE ... would recurse without end.
        self.classifyDepth += 1
        defer { self.classifyDepth -= 1 }
        guard self.classifyDepth <= 4 else { return .write(.unrecognized) }
        switch self.keyword(at: index) {
        case .select, .values, .table, .with, .insert, .update, .delete, .merge:
            return self.classifyQuery(from: index)
        case .none where self.isKind(.leftParenthesis, at: index):
            return self.classifyQuery(from: index)
        case .explain: return self.classifyExplain(from: index)
        case .copy: return self.classifyCopy(from: index)
        case .create: return self.classifyCreate(from: index)
        case .alter: return self.classifyAlter(from: index)
        case .drop: return self.classifyDrop(from: index)
        case .truncate, .lock, .vacuum, .analyze, .analyse, .cluster, .reindex, .refresh, .comment, .grant, .revoke,
            .checkpoint:
            return self.classifyMaintenance(from: index)
        case .begin, .start, .commit, .end, .rollback, .abort, .savepoint, .release:
            return self.classifyTransaction(from: index)
        case .prepare: return self.classifyPrepare(from: index)
        case .set: return self.classifySet(from: index)
        case .reset: return self.classifyReset(from: index)
        case .show: return self.classifyShow(from: index)
        case .discard, .listen, .unlisten, .execute, .deallocate, .declare, .close, .fetch, .move:
            return self.classifySessionCommand(from: index)
        case .call, .do, .notify, .load:
            self.scan(from: index + 1, to: self.end, depth: 1)
            return .write(.modification(self.uppercased(at: index)))
        default:
            return .write(.unrecognized)
        }
    }

    /// Query statements: SELECT, VALUES, TABLE, WITH ..., parenthesised queries and DML.
    private mutating func classifyQuery(from index: Int) -> StatementKind {
        self.scan(from: index, to: self.end, depth: 0)
        if self.isTooDeep { return .write(.unrecognized) }
        switch self.mainKeyword {
        case .insert, .update, .delete, .merge:
            return .write(.modification(Self.tag(self.mainKeyword)))
        case .select, .values, .table:
            if self.hasDataModifyingCTE { return .write(.dataModifyingCTE) }
            if self.hasSelectInto { return .write(.selectInto) }
            if self.hasLockingClause { return .write(.lockingClause) }
            if let function = self.functions.first(where: { WriteFunctions.isBuiltIn($0.name) }) {
                return .write(.writeFunction(function.name))
            }
            switch self.mainKeyword {
            case .values: return .read(.values)
            case .table: return .read(.table)
            default: return .read(.select)
            }
        default:
            return .write(.unrecognized)
        }
    }

    static func tag(_ keyword: Keyword) -> String {
        switch keyword {
        case .insert: return "INSERT"
        case .update: return "UPDATE"
        case .delete: return "DELETE"
        case .merge: return "MERGE"
        default: return String(describing: keyword).uppercased()
        }
    }

    /// The ASCII-uppercased text of the token at `index` (for command tags).
    func uppercased(at index: Int) -> String {
        guard index < self.end else { return "" }
        let token = self.tokens[index]
        return String(
            decoding: self.lexer.text[token.range].map { $0 &- UInt8(ascii: "a") < 26 ? $0 - 32 : $0 }, as: UTF8.self)
    }

    private mutating func finish(_ kind: StatementKind, hints: RoutingHints) -> StatementAnalysis {
        let endByte = self.end > self.start ? self.tokens[self.end - 1].end : 0
        let startByte = self.end > self.start ? self.tokens[self.start].start : 0
        if !self.executesStatement {
            self.pinning = []
            self.functions = []
        } else if self.functions.contains(where: { WriteFunctions.takesSessionAdvisoryLock($0.name) }) {
            self.pinning.insert(.advisoryLock)
        }
        // CTE names that were recorded as tables before the CTE was seen are not tables.
        if !self.cteNames.isEmpty {
            self.tables.removeAll { $0.name.schema == nil && self.cteNames.contains($0.name.name) }
        }
        if !self.options.shardKeyColumns.isEmpty {
            self.collectPredicates()
        }
        return StatementAnalysis(
            kind: kind, range: startByte..<endByte, tables: self.tables, functions: self.functions, hints: hints,
            shardKeys: self.shardKeys, pinning: self.pinning)
    }
}
