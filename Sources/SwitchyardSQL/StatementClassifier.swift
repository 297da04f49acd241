// StatementClassifier: the per-loop front end — fast paths, then the cache, then full analysis.

/// Classifies query texts on the data path. One per event loop: it owns a `StatementCache`
/// and the analyzer's scratch buffers, so it is neither thread-safe nor `Sendable`.
///
/// The returned `SQLAnalysis` is a value: keep it (for a protocol-level prepared statement,
/// analyse at Parse and reuse at every Bind).
package final class StatementClassifier {
    private var analyzer: SQLAnalyzer
    package let cache: StatementCache

    package init(options: AnalyzerOptions = AnalyzerOptions(), cache: StatementCache = StatementCache()) {
        self.analyzer = SQLAnalyzer(options: options)
        self.cache = cache
    }

    package var options: AnalyzerOptions { self.analyzer.options }

    /// The analysis of a query text given as UTF-8 bytes.
    package func analyze(_ text: UnsafeBufferPointer<UInt8>) -> SQLAnalysis {
        if let analysis = FastPath.analysis(of: text) { return analysis }
        if let analysis = self.cache.lookup(text) { return analysis }
        let analysis = self.analyzer.analyze(text)
        self.cache.offer(text, analysis: analysis)
        return analysis
    }

    package func analyze(_ text: UnsafeRawBufferPointer) -> SQLAnalysis {
        self.analyze(text.assumingMemoryBound(to: UInt8.self))
    }

    package func analyze(_ bytes: ArraySlice<UInt8>) -> SQLAnalysis {
        bytes.withUnsafeBufferPointer { self.analyze($0) }
    }

    package func analyze(_ bytes: [UInt8]) -> SQLAnalysis {
        bytes.withUnsafeBufferPointer { self.analyze($0) }
    }

    package func analyze(_ sql: String) -> SQLAnalysis {
        var sql = sql
        return sql.withUTF8 { self.analyze($0) }
    }
}
