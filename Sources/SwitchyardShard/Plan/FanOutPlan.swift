// FanOutPlan: whether a SELECT sent to every shard can be merged into one correct result, and how.

import SwitchyardSQL
import SwitchyardWire

/// The plan for a read that runs on several shards (SPEC §3 "Sharding"): rows concatenated,
/// `ORDER BY` merge-sorted, `LIMIT`/`OFFSET` applied after the merge, `count/sum/min/max/avg`
/// without `GROUP BY` combined.
///
/// Anything whose merged result could differ from running the query on all the rows at once is
/// `unsupported`, and the daemon answers 0A000 with the reason instead of a wrong result:
/// `GROUP BY`, `HAVING`, `DISTINCT`, window functions, set operations, locking clauses,
/// aggregates inside expressions or other than `count/sum/min/max/avg`, `ORDER BY` expressions
/// the select list does not repeat, `LIMIT` expressions other than a constant or `$n`, and
/// subqueries or CTEs that aggregate, group, de-duplicate or limit (each shard would compute
/// them over its own rows only).
package enum FanOutPlan: Hashable, Sendable {
    case merge(MergePlan)
    /// The reason, for a message like "cannot run on several shards: GROUP BY".
    case unsupported(String)

    /// Plans `statement`, one statement of the query text `text` as the analyzer saw it.
    /// - Parameter standardConformingStrings: the server setting the text was analysed with.
    package init(text: UnsafeBufferPointer<UInt8>, statement: StatementAnalysis, standardConformingStrings: Bool = true) {
        switch statement.kind {
        case .read(.select), .read(.table):
            break
        case .read, .write, .transaction, .session, .proxy, .empty:
            self = .unsupported("only SELECT can run on several shards (\(statement.reason))")
            return
        }
        let range = statement.range.clamped(to: 0..<text.count)
        let tokens = StatementTokens(text: Array(text[range]), standardConformingStrings: standardConformingStrings)
        self = FanOutPlanner(tokens: tokens).plan()
    }

    /// Plans a query text holding exactly one statement (for tools and tests).
    package init(sql: String, standardConformingStrings: Bool = true) {
        var analyzer = SQLAnalyzer(options: AnalyzerOptions(standardConformingStrings: standardConformingStrings))
        var copy = sql
        self = copy.withUTF8 { buffer in
            guard let statement = analyzer.analyze(buffer).single else {
                return .unsupported("a fan-out query must be exactly one statement")
            }
            return FanOutPlan(text: buffer, statement: statement, standardConformingStrings: standardConformingStrings)
        }
    }

    /// The merge plan, `nil` when unsupported.
    package var mergePlan: MergePlan? {
        if case .merge(let plan) = self { return plan }
        return nil
    }

    /// The error to answer instead of running an unsupported fan-out (0A000); `nil` for a merge.
    package var error: MergeError? {
        guard case .unsupported(let reason) = self else { return nil }
        return MergeError(sqlState: .featureNotSupported, message: "cannot run on several shards: \(reason)")
    }
}
