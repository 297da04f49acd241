// AnalysisHelpers: shortcuts for analysing SQL text in tests.

import SwitchyardSQL

/// Analyses `sql` with a fresh analyzer.
func analyze(_ sql: String, shardKeyColumns: Set<String> = [], standardConformingStrings: Bool = true) -> SQLAnalysis {
    var analyzer = SQLAnalyzer(
        options: AnalyzerOptions(
            standardConformingStrings: standardConformingStrings, shardKeyColumns: shardKeyColumns))
    return analyzer.analyze(sql)
}

/// The only statement of `sql`; a text that does not hold exactly one gives an `.empty` marker
/// statement, so a test comparing kinds fails with a readable difference.
func statement(_ sql: String, shardKeyColumns: Set<String> = []) -> StatementAnalysis {
    let analysis = analyze(sql, shardKeyColumns: shardKeyColumns)
    return analysis.single ?? StatementAnalysis(kind: .empty, range: 0..<0)
}
