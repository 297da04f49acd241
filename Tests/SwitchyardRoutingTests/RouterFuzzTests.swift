// RouterFuzzTests: random statements never trap the router, and nothing that writes gets a replica.

import SwitchyardRouting
import SwitchyardSQL
import Testing

/// SplitMix64, seeded so that a failure reproduces.
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

@Suite struct RouterFuzzTests {
    static let vocabulary = [
        "SELECT", "*", "FROM", "WHERE", "(", ")", ",", ";", "'x'", "$$", "--", "/*", "*/", "INSERT", "INTO", "VALUES",
        "UPDATE", "SET", "DELETE", "WITH", "AS", "JOIN", "ON", "FOR", "orders", "order_items", "events", "auth_user",
        "blog", "archive.logs", "customer_id", "tenant", "=", "IN", "AND", "OR", "1", "-1", "'a'", "$1", "$2",
        "nextval",
        "audit_x", "BEGIN", "COMMIT", "CREATE", "TABLE", "EXPLAIN", "ANALYZE", "/* switchyard: primary */",
        "/* switchyard: replica */", "/* switchyard: shard=1 */", "/* switchyard: all_shards */",
        "/* switchyard: cluster=users */", "switchyard.target", "SHOW", "RESET", "TRUNCATE", "COPY", "STDOUT", "TO",
    ]

    @Test func randomStatementsNeverReachAReplicaWhenTheyWrite() {
        var random = SeededGenerator(seed: 0x5EED_0100)
        let contexts = [
            RoutingContext(database: "app"),
            RoutingContext(database: "app", overrides: SessionOverrides(target: .replica), transaction: .readOnly),
            RoutingContext(database: "app", overrides: SessionOverrides(cluster: "users", shard: 1)),
            RoutingContext(database: "solo", transaction: .readWrite),
        ]
        var analyzer = SQLAnalyzer(options: Fixtures.table.analyzerOptions())
        for _ in 0..<4000 {
            let words = (0..<Int.random(in: 0...25, using: &random)).map { _ in
                Self.vocabulary.randomElement(using: &random)!
            }
            let sql = words.joined(separator: " ")
            let analysis = analyzer.analyze(sql)
            for context in contexts {
                let result = Fixtures.router.decide(analysis, context: context)
                guard case .success(let decision) = result else { continue }
                if analysis.isWrite {
                    #expect(decision.kind == .write, "\(sql)")
                    #expect(decision.target == .primary, "\(sql)")
                }
                if decision.kind == .write { #expect(decision.target == .primary, "\(sql)") }
                if decision.target == .replica { #expect(decision.kind == .read, "\(sql)") }
                _ = decision.json
                _ = decision.resolvingShards { _ in nil }
            }
        }
    }
}
