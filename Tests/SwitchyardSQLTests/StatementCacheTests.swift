// StatementCacheTests: cached and fast-path answers equal full analysis; the cache stays bounded.

import SwitchyardSQL
import Testing

@Suite struct StatementCacheTests {
    static let corpus = [
        "SELECT * FROM orders WHERE customer_id = $1",
        "UPDATE t SET a = 1 WHERE id = 2",
        "/* switchyard: primary */ SELECT 1",
        "BEGIN READ ONLY",
        "SELECT 1; DELETE FROM t",
        "WITH d AS (DELETE FROM t RETURNING 1) SELECT * FROM d",
        "",
    ]

    @Test(arguments: corpus)
    func cachedAnalysisEqualsFullAnalysis(_ sql: String) {
        let classifier = StatementClassifier(options: AnalyzerOptions(shardKeyColumns: ["customer_id"]))
        let expected = analyze(sql, shardKeyColumns: ["customer_id"])
        for _ in 0..<4 { #expect(classifier.analyze(sql) == expected) }
        #expect(classifier.cache.hits == 2)
    }

    @Test func textsAreAdmittedOnTheirSecondMiss() {
        let classifier = StatementClassifier()
        _ = classifier.analyze("SELECT 1")
        #expect(classifier.cache.count == 0)
        _ = classifier.analyze("SELECT 1")
        #expect(classifier.cache.count == 1)
        _ = classifier.analyze("SELECT 1")
        #expect((classifier.cache.hits, classifier.cache.misses) == (1, 2))
    }

    @Test func differentTextsNeverShareAnEntry() {
        let classifier = StatementClassifier()
        for _ in 0..<2 { _ = classifier.analyze("SELECT 1") }
        #expect(classifier.analyze("SELECT 2").statements.first?.range == 0..<8)
        #expect(classifier.analyze("DELETE FROM t").isWrite)
        #expect(classifier.cache.hits == 0)
    }

    @Test func cacheIsBounded() {
        let cache = StatementCache(capacity: 16, maximumTextLength: 64)
        #expect(cache.capacity == 16)
        var analyzer = SQLAnalyzer()
        for round in 0..<2 {
            for index in 0..<1000 {
                var sql = "SELECT \(index)"
                sql.withUTF8 { text in
                    if cache.lookup(text) == nil { cache.offer(text, analysis: analyzer.analyze(text)) }
                }
                _ = round
            }
        }
        #expect(cache.count <= 16)
        #expect(cache.count > 0)
    }

    @Test func longTextsAreNeverStored() {
        let classifier = StatementClassifier(cache: StatementCache(capacity: 8, maximumTextLength: 10))
        for _ in 0..<3 { #expect(classifier.analyze("SELECT 12345").statements.count == 1) }
        #expect(classifier.cache.count == 0)
        #expect(classifier.cache.hits == 0)
    }

    @Test func removeAllEmptiesTheCache() {
        let classifier = StatementClassifier()
        for _ in 0..<2 { _ = classifier.analyze("SELECT 1") }
        classifier.cache.removeAll()
        #expect(classifier.cache.count == 0)
    }

    static let fastPathTexts = ["BEGIN", "begin;", "COMMIT ;", "End", "abort", "ROLLBACK;;", "commit\n"]

    @Test(arguments: fastPathTexts)
    func fastPathAnswersBareTransactionControlWithoutTheCache(_ sql: String) {
        let classifier = StatementClassifier()
        #expect(classifier.analyze(sql) == analyze(sql))
        #expect(classifier.cache.hits + classifier.cache.misses == 0)
    }

    static let nearMisses = [
        " BEGIN", "BEGIN READ ONLY", "BEGINS", "BEGIN -- x", "COMMIT PREPARED 'x'", "BEGIN;DELETE FROM t",
        "ROLLBACK TO s", "END;END;", "begin\u{0B}",
    ]

    @Test(arguments: nearMisses)
    func textsCloseToAFastPathGetFullAnalysis(_ sql: String) {
        let classifier = StatementClassifier()
        #expect(classifier.analyze(sql) == analyze(sql))
    }

    @Test func allByteEntryPointsAgree() {
        let classifier = StatementClassifier()
        let sql = "SELECT * FROM t WHERE a = 'é'"
        let bytes = Array(sql.utf8)
        let expected = analyze(sql)
        #expect(classifier.analyze(bytes) == expected)
        #expect(classifier.analyze(bytes[...]) == expected)
        #expect(bytes.withUnsafeBytes { classifier.analyze($0) } == expected)
        #expect(classifier.analyze(sql) == expected)
    }
}
