// FuzzTests: arbitrary bytes and token soups never trap, hang or break the analyzer's invariants.

import SwitchyardSQL
import Testing

/// SplitMix64: a seeded generator, so a failure reproduces.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct FuzzTests {
    /// Bytes that matter to the lexer, over-represented next to random ones.
    static let interestingBytes: [UInt8] =
        Array("'\"$;()/*-\\eEuU&bBxXnN:.0123456789 \n\t".utf8) + [0x00, 0x80, 0xC3, 0xFF, 0x0B]

    static let vocabulary = [
        "SELECT", "FROM", "WHERE", "(", ")", ",", ";", "'x'", "$$", "$a$", "--", "/*", "*/", "E'\\'", "INSERT", "INTO",
        "VALUES", "UPDATE", "SET", "DELETE", "MERGE", "WITH", "AS", "JOIN", "ON", "USING", "CASE", "WHEN", "THEN",
        "END",
        "BEGIN", "FOR", "SHARE", "KEY", "NO", "t", "orders", "customer_id", "=", "-", "1", "$1", "IN", "AND", "OR",
        "BETWEEN", "::", "bigint", "text", "EXPLAIN", "ANALYZE", "CREATE", "TEMP", "TABLE", "FUNCTION", "ATOMIC",
        "\"q\"", "U&\"x\"", "U&'y'", "UESCAPE", "nextval", ".", "*", "RECURSIVE", "UNION", "LATERAL", "ONLY", "INTO",
        "SHOW", "RESET", "switchyard", ".", "target", "PREPARE", "DECLARE", "CURSOR", "HOLD",
        "/* switchyard: primary */",
        "COPY", "TO", "STDOUT", "VALUES", "DEFAULT", "ROWS", "TABLESAMPLE", "OVERRIDING", "RETURNING", "DO", "CONFLICT",
    ]

    private func checkInvariants(_ bytes: [UInt8]) {
        let analysis = bytes.withUnsafeBufferPointer { buffer -> SQLAnalysis in
            var analyzer = SQLAnalyzer(options: AnalyzerOptions(shardKeyColumns: ["customer_id", "t"]))
            return analyzer.analyze(buffer)
        }
        var previousEnd = 0
        for statement in analysis.statements {
            #expect(statement.range.lowerBound >= previousEnd)
            #expect(statement.range.upperBound <= bytes.count)
            #expect(!statement.range.isEmpty)
            previousEnd = statement.range.upperBound
        }
        // Deterministic, and the cached path gives the same answer.
        let classifier = StatementClassifier(options: AnalyzerOptions(shardKeyColumns: ["customer_id", "t"]))
        for _ in 0..<3 { #expect(classifier.analyze(bytes) == analysis) }
    }

    @Test func arbitraryBytesNeverTrap() {
        var random = SeededGenerator(seed: 0x5EED_0001)
        for _ in 0..<3000 {
            let length = Int.random(in: 0...300, using: &random)
            var bytes: [UInt8] = []
            bytes.reserveCapacity(length)
            for _ in 0..<length {
                if Bool.random(using: &random) {
                    bytes.append(Self.interestingBytes.randomElement(using: &random)!)
                } else {
                    bytes.append(UInt8.random(in: 0...255, using: &random))
                }
            }
            self.checkInvariants(bytes)
        }
    }

    @Test func tokenSoupsNeverTrap() {
        var random = SeededGenerator(seed: 0x5EED_0002)
        for _ in 0..<3000 {
            let count = Int.random(in: 0...60, using: &random)
            let words = (0..<count).map { _ in Self.vocabulary.randomElement(using: &random)! }
            let separator = Bool.random(using: &random) ? " " : ""
            self.checkInvariants(Array(words.joined(separator: separator).utf8))
        }
    }

    /// Only these heads can be reads; anything else the analyzer cannot prove read-only.
    @Test func readsOnlyComeFromReadStatementHeads() {
        var random = SeededGenerator(seed: 0x5EED_0003)
        let readHeads: Set<Keyword> = [.select, .values, .table, .with, .show, .explain, .copy]
        for _ in 0..<3000 {
            let words = (0..<Int.random(in: 1...30, using: &random)).map { _ in
                Self.vocabulary.randomElement(using: &random)!
            }
            let sql = words.joined(separator: " ")
            let tokens = Lexer.tokens(of: sql)
            for statement in analyze(sql).statements {
                guard case .read = statement.kind else { continue }
                let first = tokens.first { $0.start == statement.range.lowerBound }
                let head = first?.kind == .leftParenthesis ? Keyword.select : (first?.keyword ?? .none)
                #expect(readHeads.contains(head), "\(sql)")
            }
        }
    }

    /// Without quotes, dollar signs or comment markers nothing can hide a following statement,
    /// so a DELETE after a semicolon always makes the text a write.
    @Test func aWriteAfterASemicolonIsNeverHidden() {
        var random = SeededGenerator(seed: 0x5EED_0004)
        let plain = Self.vocabulary.filter { word in !word.contains { "'\"$-/*".contains($0) } }
        for _ in 0..<3000 {
            let words = (0..<Int.random(in: 0...30, using: &random)).map { _ in plain.randomElement(using: &random)! }
            let sql = words.joined(separator: " ") + "; DELETE FROM t"
            #expect(analyze(sql).isWrite, "\(sql)")
        }
    }

    @Test func pathologicalInputsEnd() {
        let inputs = [
            String(repeating: "(", count: 100_000),
            String(repeating: ")", count: 100_000),
            String(repeating: "/*", count: 50_000),
            String(repeating: "$a$", count: 30_000),
            String(repeating: "'", count: 100_001),
            String(repeating: "CASE ", count: 20_000),
            String(repeating: "WITH x AS (", count: 10_000),
            "SELECT " + String(repeating: "a AND ", count: 20_000) + "customer_id = 1",
            "SELECT * FROM " + (0..<20_000).map { "t\($0)" }.joined(separator: ", "),
            "SELECT " + (0..<20_000).map { "f\($0)()" }.joined(separator: ", "),
            "WITH " + (0..<5_000).map { "c\($0) AS (SELECT 1)" }.joined(separator: ", ") + " SELECT * FROM "
                + (0..<5_000).map { "c\($0)" }.joined(separator: ", "),
            String(repeating: "SELECT 1 /* switchyard: primary */;", count: 5_000),
            String(repeating: "EXPLAIN ", count: 100_000) + "SELECT 1",
            String(repeating: "PREPARE q AS ", count: 50_000) + "SELECT 1",
        ]
        for sql in inputs {
            let analysis = analyze(sql, shardKeyColumns: ["customer_id"])
            #expect(analysis.statements.count <= SQLAnalyzer.maximumStatements + 1)
        }
    }

    @Test func textsWithTooManyStatementsEndInOneUnrecognizedWrite() {
        let sql = String(repeating: "SELECT 1;", count: SQLAnalyzer.maximumStatements + 10)
        let analysis = analyze(sql)
        #expect(analysis.statements.count == SQLAnalyzer.maximumStatements + 1)
        #expect(analysis.statements.dropLast().allSatisfy { $0.kind == .read(.select) })
        #expect(analysis.statements.last?.kind == .write(.unrecognized))
        #expect(analysis.statements.last?.range == (SQLAnalyzer.maximumStatements * 9)..<sql.utf8.count)
        #expect(analysis.isWrite)
    }
}
