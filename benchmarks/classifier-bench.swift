// classifier-bench: median nanoseconds per statement for analysis and routing, cached and uncached.
//
// Built by classifier-bench.sh as one module with the SwitchyardSQL and SwitchyardRouting
// sources (so `package` declarations are visible). Corpora: pgbench's built-in tpcb-like,
// simple-update and select-only scripts (`pgbench --show-script`), with :variables replaced by
// literals and by $n parameters, and a generated 1,000-statement OLTP corpus (statements of at
// most 256 bytes).
//
// "uncached" runs the full lexer and analyzer (SQLAnalyzer.analyze) on every iteration;
// "cached" goes through StatementClassifier after warming its cache (a hit hashes and compares
// the bytes). "+route" adds Router.decide on the result.

@main
struct ClassifierBenchmark {
    static func main() {
        let pgbenchLiterals = PgbenchCorpus.statements(parameters: false)
        let pgbenchParameters = PgbenchCorpus.statements(parameters: true)
        let oltp = OLTPCorpus.generate(count: 1000)
        let table = BenchmarkRoutingTable.make()
        let router = Router(table: table)
        let context = RoutingContext(database: "app")

        print("classifier-bench: median ns per statement (release build; per statement the best of \(rounds) rounds of \(iterations / rounds) runs)")
        print("")
        let header = ["corpus", "stmts", "avg bytes", "uncached", "uncached+route", "p90 unc+route", "cached", "cached+route"]
        print(row(header))
        print(row(header.map { String(repeating: "-", count: $0.count) }))
        for (name, corpus) in [("pgbench literals", pgbenchLiterals), ("pgbench $n", pgbenchParameters), ("OLTP 1000", oltp)] {
            var uncached: [Double] = []
            var uncachedRouted: [Double] = []
            var cached: [Double] = []
            var cachedRouted: [Double] = []
            var analyzer = SQLAnalyzer(options: table.analyzerOptions())
            let classifier = StatementClassifier(options: table.analyzerOptions(), cache: StatementCache(capacity: 4096))
            for sql in corpus {
                let bytes = Array(sql.utf8)
                bytes.withUnsafeBufferPointer { text in
                    uncached.append(measure { blackHole(analyzer.analyze(text).statements.count) })
                    uncachedRouted.append(measure {
                        blackHole(router.decide(analyzer.analyze(text), context: context))
                    })
                    // Two misses admit the text into the cache.
                    _ = classifier.analyze(text)
                    _ = classifier.analyze(text)
                    cached.append(measure { blackHole(classifier.analyze(text).statements.count) })
                    cachedRouted.append(measure { blackHole(router.decide(classifier.analyze(text), context: context)) })
                }
            }
            let averageBytes = corpus.reduce(0) { $0 + $1.utf8.count } / corpus.count
            print(row([name, "\(corpus.count)", "\(averageBytes)", format(median(uncached)), format(median(uncachedRouted)),
                       format(percentile(uncachedRouted, 0.9)), format(median(cached)), format(median(cachedRouted))]))
        }
        print("")
        print("max bytes: OLTP \(oltp.map(\.utf8.count).max()!), pgbench \(pgbenchLiterals.map(\.utf8.count).max()!)")
    }

    static let iterations = 2000
    static let rounds = 5

    /// Nanoseconds per run of `body`: the fastest of `rounds` rounds of `iterations / rounds`
    /// runs each (after a warm-up), so that other processes on a shared machine inflate the
    /// figure as little as possible.
    static func measure(_ body: () -> Void) -> Double {
        for _ in 0..<50 { body() }
        let clock = ContinuousClock()
        let perRound = iterations / rounds
        var best = Double.infinity
        for _ in 0..<rounds {
            let elapsed = clock.measure {
                for _ in 0..<perRound { body() }
            }
            let (seconds, attoseconds) = elapsed.components
            best = min(best, (Double(seconds) * 1e9 + Double(attoseconds) / 1e9) / Double(perRound))
        }
        return best
    }

    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
    }

    static func median(_ values: [Double]) -> Double {
        percentile(values, 0.5)
    }

    static func format(_ nanoseconds: Double) -> String {
        "\(Int(nanoseconds.rounded())) ns"
    }

    static func row(_ cells: [String]) -> String {
        let widths = [18, 6, 10, 10, 15, 14, 8, 13]
        return zip(cells, widths).map { cell, width in
            cell.count >= width ? cell : cell + String(repeating: " ", count: width - cell.count)
        }.joined(separator: " | ")
    }
}

@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

/// pgbench's built-in scripts (`pgbench --show-script=tpcb-like|simple-update|select-only`).
enum PgbenchCorpus {
    static let scripts: [String] = [
        "BEGIN",
        "UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid",
        "SELECT abalance FROM pgbench_accounts WHERE aid = :aid",
        "UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid",
        "UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid",
        "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP)",
        "END",
    ]

    static func statements(parameters: Bool) -> [String] {
        var random = BenchmarkRandom(seed: 7)
        return scripts.map { script in
            var text = script
            for (index, name) in ["aid", "bid", "tid", "delta"].enumerated() {
                let value: String
                if parameters {
                    value = "$\(index + 1)"
                } else {
                    switch name {
                    case "aid": value = String(random.next() % 100_000 + 1)
                    case "delta": value = String(Int(random.next() % 10_001) - 5000)
                    default: value = String(random.next() % 10 + 1)
                    }
                }
                text = text.split(separator: ":\(name)", omittingEmptySubsequences: false).joined(separator: value)
            }
            return text
        }
    }
}

/// A generated OLTP workload: varied SELECT/INSERT/UPDATE/DELETE, joins, CTEs, IN lists.
enum OLTPCorpus {
    static let tables = ["users", "orders", "order_items", "products", "accounts", "sessions", "auth_user", "invoices",
                         "public.events", "inventory", "payments", "shipments"]
    static let columns = ["id", "user_id", "customer_id", "status", "created_at", "amount", "name", "email", "total", "sku"]

    static func generate(count: Int) -> [String] {
        var random = BenchmarkRandom(seed: 42)
        var statements: [String] = []
        while statements.count < count {
            let sql = self.statement(&random)
            if sql.utf8.count <= 256 { statements.append(sql) }
        }
        return statements
    }

    private static func pick<T>(_ items: [T], _ random: inout BenchmarkRandom) -> T {
        items[Int(random.next() % UInt64(items.count))]
    }

    private static func literal(_ random: inout BenchmarkRandom) -> String {
        switch random.next() % 4 {
        case 0: return "'\(pick(["active", "pending", "shipped", "o'brien".replacingQuote(), "x@example.com"], &random))'"
        case 1: return "$\(random.next() % 3 + 1)"
        default: return String(random.next() % 1_000_000)
        }
    }

    private static func statement(_ random: inout BenchmarkRandom) -> String {
        let t1 = pick(tables, &random)
        let t2 = pick(tables, &random)
        let c1 = pick(columns, &random)
        let c2 = pick(columns, &random)
        let c3 = pick(columns, &random)
        let v1 = literal(&random)
        let v2 = literal(&random)
        switch random.next() % 16 {
        case 0: return "SELECT \(c1), \(c2) FROM \(t1) WHERE \(c3) = \(v1)"
        case 1: return "SELECT * FROM \(t1) WHERE \(c1) = \(v1) AND \(c2) > \(v2) ORDER BY \(c3) DESC LIMIT 20"
        case 2: return "SELECT a.\(c1), b.\(c2) FROM \(t1) a JOIN \(t2) b ON b.\(c3) = a.id WHERE a.\(c1) = \(v1)"
        case 3: return "INSERT INTO \(t1) (\(c1), \(c2), \(c3)) VALUES (\(v1), \(v2), now()) RETURNING id"
        case 4: return "UPDATE \(t1) SET \(c1) = \(v1), updated_at = now() WHERE id = \(v2)"
        case 5: return "DELETE FROM \(t1) WHERE \(c1) = \(v1) AND \(c2) < \(v2)"
        case 6: return "SELECT count(*) FROM \(t1) WHERE \(c1) IN (\(v1), \(v2), \(literal(&random)))"
        case 7: return "WITH recent AS (SELECT * FROM \(t1) WHERE \(c1) > \(v1)) SELECT \(c2), count(*) FROM recent GROUP BY \(c2)"
        case 8: return "SELECT * FROM \(t1) WHERE EXISTS (SELECT 1 FROM \(t2) WHERE \(t2.split(separator: ".").last!).\(c1) = \(t1.split(separator: ".").last!).id) LIMIT 50"
        case 9: return "SELECT \(c1) FROM \(t1) WHERE \(c2) = \(v1) FOR UPDATE"
        case 10: return "INSERT INTO \(t1) (\(c1), \(c2)) VALUES (\(v1), \(v2)), (\(literal(&random)), \(literal(&random))) ON CONFLICT (\(c1)) DO UPDATE SET \(c2) = EXCLUDED.\(c2)"
        case 11: return "SELECT u.id, sum(o.total) FROM users u LEFT JOIN orders o ON o.user_id = u.id WHERE u.\(c1) = \(v1) GROUP BY u.id HAVING sum(o.total) > \(v2)"
        case 12: return "/* app:checkout */ SELECT \(c1) FROM \(t1) WHERE \(c2) BETWEEN \(v1) AND \(v2) OR \(c3) IS NULL"
        case 14:
            return "WITH totals AS (SELECT \(c1), sum(amount) AS total FROM \(t1) WHERE created_at > now() - interval '30 days' "
                + "GROUP BY \(c1)) SELECT t.\(c1), t.total, u.email FROM totals t JOIN users u ON u.id = t.\(c1) "
                + "WHERE t.total > \(v1) ORDER BY t.total DESC LIMIT 100"
        case 15:
            let values = (0..<12).map { _ in String(random.next() % 100_000) }.joined(separator: ", ")
            return "UPDATE \(t1) SET \(c1) = \(v1), \(c2) = coalesce(\(c2), 0) + 1, updated_at = now() WHERE \(c3) IN (\(values)) "
                + "AND deleted_at IS NULL RETURNING id, \(c1)"
        default: return "SELECT id, \(c1) FROM \(t1) WHERE lower(\(c2)) LIKE 'abc%' AND \(c3) = \(v1) ORDER BY id OFFSET 10 LIMIT 10"
        }
    }
}

private extension String {
    /// Doubles single quotes, as SQL string constants need.
    func replacingQuote() -> String {
        self.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''")
    }
}

enum BenchmarkRoutingTable {
    static func make() -> RoutingTable {
        RoutingTable(databases: [
            DatabaseRouting(
                name: "app", defaultCluster: "main",
                shardGroups: [ShardGroup(tables: [NamePattern("orders")!, NamePattern("order_items")!], key: "customer_id",
                                         keyType: .bigint, function: .pgHash, clusters: ["shard0", "shard1"])],
                routes: [TableRoute(tables: [NamePattern("auth_*")!, NamePattern("sessions")!], cluster: "users")]),
        ])
    }
}

/// SplitMix64, for a corpus that is the same on every run.
struct BenchmarkRandom {
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
