// FanOutPlanner: finds a SELECT's top-level clauses by token and turns them into a MergePlan.

import SwitchyardSQL

/// Why a statement cannot be merged; becomes `FanOutPlan.unsupported`.
struct Unsupported: Error {
    var reason: String

    init(_ reason: String) { self.reason = reason }
}

/// Plans one statement's tokens (see `FanOutPlan`).
struct FanOutPlanner {
    let tokens: StatementTokens
    /// Rewrites of the shard text, applied at the end.
    var edits: [TextEdit] = []

    init(tokens: StatementTokens) {
        self.tokens = tokens
    }

    /// The top-level clause key words that end the select list or another clause.
    enum Clause: Hashable {
        case from, into, `where`, group, having, window, order, limit, offset, fetch, locking, setOperation
    }

    /// The top-level clauses of the main SELECT: where each starts (its key word's index), in order.
    struct Clauses {
        /// The select list, after `SELECT` and `ALL`.
        var selectList: Range<Int>
        var starts: [(clause: Clause, index: Int)] = []

        /// The tokens of `clause` (after its key word), up to the next clause.
        func range(of clause: Clause, end: Int) -> Range<Int>? {
            guard let position = self.starts.firstIndex(where: { $0.clause == clause }) else { return nil }
            let next = position + 1 < self.starts.count ? self.starts[position + 1].index : end
            return (self.starts[position].index + 1)..<next
        }
    }

    func plan() -> FanOutPlan {
        var planner = self
        do throws(Unsupported) {
            let plan = try planner.makePlan()
            return .merge(plan)
        } catch {
            return .unsupported(error.reason)
        }
    }

    private mutating func makePlan() throws(Unsupported) -> MergePlan {
        guard self.tokens.count > 0 else { throw Unsupported("empty statement") }
        try self.checkSubqueries()
        let clauses = try self.findClauses()
        for start in clauses.starts {
            switch start.clause {
            case .group:
                if self.tokens.keyword(at: start.index - 1) == .within {
                    throw Unsupported("ordered-set aggregate (WITHIN GROUP)")
                }
                throw Unsupported("GROUP BY")
            case .having: throw Unsupported("HAVING")
            case .window: throw Unsupported("WINDOW")
            case .into: throw Unsupported("SELECT INTO")
            case .locking: throw Unsupported("FOR UPDATE/SHARE")
            case .setOperation: throw Unsupported("UNION, INTERSECT or EXCEPT")
            case .from, .where, .order, .limit, .offset, .fetch: break
            }
        }
        for clause in [Clause.from, .where, .order, .limit, .offset, .fetch] {
            guard clauses.starts.filter({ $0.clause == clause }).count <= 1 else {
                throw Unsupported("repeated \(clause) clause")
            }
        }
        let items = try self.selectItems(clauses.selectList)
        let mode: MergeMode
        if items.contains(where: \.isAggregate) {
            mode = .aggregate(try self.aggregateColumns(items))
        } else if let order = clauses.range(of: .order, end: self.tokens.count) {
            guard self.tokens.keyword(at: order.lowerBound) == .by else { throw Unsupported("ORDER without BY") }
            mode = .rows(sortKeys: try self.sortKeys(order.dropFirst().startIndex..<order.upperBound, items: items))
        } else {
            mode = .rows(sortKeys: [])
        }
        let window = try self.rowWindow(clauses)
        return MergePlan(
            shardText: TextEdit.apply(self.edits, to: self.tokens.text), mode: mode, limit: window.limit,
            offset: window.offset)
    }

    // MARK: - Clauses

    /// Finds the main SELECT (after any WITH) and its top-level clauses.
    private func findClauses() throws(Unsupported) -> Clauses {
        var index = 0
        switch self.tokens.keyword(at: 0) {
        case .select:
            break
        case .table:
            // `TABLE t` is `SELECT * FROM t`: no select list; clauses follow the name.
            return self.scanClauses(from: 1, hasSelectList: false)
        case .with:
            if self.tokens.keyword(at: 1) == .recursive { throw Unsupported("WITH RECURSIVE") }
            index = 1
            while index < self.tokens.count, self.tokens.keyword(at: index) != .select {
                index = self.tokens.isKind(.leftParenthesis, at: index) ? self.tokens.close(of: index) + 1 : index + 1
            }
            guard index < self.tokens.count else { throw Unsupported("WITH without a main SELECT") }
        default:
            throw Unsupported("a query that does not start with SELECT, WITH or TABLE")
        }
        var listStart = index + 1
        switch self.tokens.keyword(at: listStart) {
        case .distinct: throw Unsupported("SELECT DISTINCT")
        case .all: listStart += 1
        default: break
        }
        return self.scanClauses(from: listStart, hasSelectList: true)
    }

    /// Records every top-level clause key word from `start` on; the select list runs up to the first.
    private func scanClauses(from start: Int, hasSelectList: Bool) -> Clauses {
        var clauses = Clauses(selectList: start..<start)
        var index = start
        while index < self.tokens.count {
            if self.tokens.isKind(.leftParenthesis, at: index) || self.tokens.isKind(.leftBracket, at: index) {
                index = self.tokens.close(of: index) + 1
                continue
            }
            if let clause = self.clause(at: index) { clauses.starts.append((clause, index)) }
            index += 1
        }
        if hasSelectList {
            clauses.selectList = start..<(clauses.starts.first?.index ?? self.tokens.count)
        }
        return clauses
    }

    private func clause(at index: Int) -> Clause? {
        switch self.tokens.keyword(at: index) {
        // `a IS [NOT] DISTINCT FROM b` is an operator, not a FROM clause.
        case .from: return self.tokens.keyword(at: index - 1) == .distinct ? nil : .from
        case .into: return .into
        case .where: return .where
        case .group: return .group
        case .having: return .having
        case .window: return .window
        case .order: return .order
        case .limit: return .limit
        case .offset: return .offset
        case .fetch: return .fetch
        case .for: return .locking
        case .union, .intersect, .except: return .setOperation
        default: return nil
        }
    }

    // MARK: - Subqueries

    /// PostgreSQL's built-in aggregate functions (`pg_aggregate` of PostgreSQL 15). User-defined
    /// aggregates cannot be told from functions by name.
    static let aggregateNames: Set<String> = [
        "array_agg", "avg", "bit_and", "bit_or", "bit_xor", "bool_and", "bool_or", "count", "every", "json_agg",
        "json_object_agg", "jsonb_agg", "jsonb_object_agg", "max", "min", "range_agg", "range_intersect_agg",
        "string_agg", "sum", "xmlagg", "corr", "covar_pop", "covar_samp", "regr_avgx", "regr_avgy", "regr_count",
        "regr_intercept", "regr_r2", "regr_slope", "regr_sxx", "regr_sxy", "regr_syy", "stddev", "stddev_pop",
        "stddev_samp", "variance", "var_pop", "var_samp", "mode", "percentile_cont", "percentile_disc", "rank",
        "dense_rank", "percent_rank", "cume_dist", "grouping",
    ]

    /// Whether the token at `index` calls a built-in aggregate (`count(`, `pg_catalog.sum(`).
    func callsAggregate(at index: Int) -> Bool {
        guard self.tokens.isKind(.leftParenthesis, at: index + 1), let name = self.tokens.name(at: index),
            Self.aggregateNames.contains(name)
        else { return false }
        guard index > 0, self.tokens.isKind(.dot, at: index - 1) else { return true }
        return self.tokens.name(at: index - 2) == "pg_catalog"
    }

    /// Whether the token at `index` starts a window call's `OVER (` or `OVER name`.
    func isOver(at index: Int) -> Bool {
        self.tokens.keyword(at: index) == .over
            && (self.tokens.isKind(.leftParenthesis, at: index + 1) || self.tokens.name(at: index + 1) != nil)
            && index > 0 && self.tokens.isKind(.rightParenthesis, at: index - 1)
    }

    /// Refuses subqueries and CTEs whose answer depends on seeing every shard's rows: each shard
    /// would aggregate, group, de-duplicate or limit its own rows only. `LIMIT` inside `EXISTS`
    /// is harmless (existence does not depend on it).
    private func checkSubqueries() throws(Unsupported) {
        for open in 0..<self.tokens.count where self.tokens.isKind(.leftParenthesis, at: open) {
            switch self.tokens.keyword(at: open + 1) {
            case .select, .with, .values: break
            default: continue
            }
            let isExists = self.tokens.keyword(at: open - 1) == .exists
            for index in (open + 1)..<self.tokens.close(of: open) {
                let keyword = self.tokens.keyword(at: index)
                if self.callsAggregate(at: index) || keyword == .group || keyword == .having || keyword == .window
                    || self.isOver(at: index) || (keyword == .distinct && self.tokens.keyword(at: index - 1) == .select)
                    || (!isExists && (keyword == .limit || keyword == .offset || keyword == .fetch))
                {
                    throw Unsupported("a subquery that aggregates, groups, de-duplicates or limits rows")
                }
            }
        }
    }
}
