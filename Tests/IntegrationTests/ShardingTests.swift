// ShardingTests: rows inserted through the proxy land on the shard PostgreSQL's hash
// partitioning assigns (bigint and text keys; single- and multi-row INSERTs; literals and Bind
// parameters); fan-out SELECTs give exactly what one unsharded table gives; multi-shard writes
// and DDL are atomic across the shards.
import Foundation
import SwitchyardTesting
import SwitchyardWire
import Testing

extension CrossClusterAcceptance {
    @Suite("Sharding: placement, fan-out merge, multi-shard writes")
    struct ShardingTests {
        typealias Seeded = PgHashCompatibilityTests.Seeded

        static let shardGroups = [
            MultiClusterConfiguration.ShardGroup(tables: ["sh_big"], key: "k", clusters: ["shard0", "shard1"]),
            MultiClusterConfiguration.ShardGroup(tables: ["sh_text"], key: "tk", keyType: "text", clusters: ["shard0", "shard1"]),
            MultiClusterConfiguration.ShardGroup(
                tables: ["sh_diff", "sh_orders"], key: "customer_id", clusters: ["shard0", "shard1"]),
        ]

        /// New databases with shards and a proxy in front of them.
        static func withShardedProxy(_ body: (MultiClusterProxy, CrossClusterDatabases) throws -> Void) throws {
            try CrossClusterDatabases.with(withShards: true) { databases in
                let proxy = try MultiClusterProxy.start(databases.configuration(shardGroups: shardGroups))
                defer { proxy.stop() }
                try body(proxy, databases)
            }
        }

        // MARK: - Placement (bigint and text keys)

        /// One row to insert: its number, its key as SQL literal and as a text parameter.
        struct KeyRow {
            var n: Int
            var literal: String
            var parameter: String
        }

        static func bigintRows(count: Int) -> [KeyRow] {
            var random = Seeded(state: 61)
            var keys: [Int64] = [0, 1, -1, Int64.max, Int64.min, Int64.max - 1, Int64.min + 1, 4_294_967_296, -4_294_967_297]
            while keys.count < count {
                keys.append(keys.count % 5 == 0 ? Int64.random(in: -1000...1000, using: &random) : Int64(bitPattern: random.next()))
            }
            return keys.enumerated().map { KeyRow(n: $0.offset + 1, literal: String($0.element), parameter: String($0.element)) }
        }

        static func textRows(count: Int) -> [KeyRow] {
            var random = Seeded(state: 62)
            let alphabet = Array("abcXYZ0189 -_'\\\"éüñ日本語😀%")
            var keys = ["", "a", "A", " ", "it's", "back\\slash", "日本語", "😀", String(repeating: "x", count: 300)]
            while keys.count < count {
                let length = Int.random(in: 0...24, using: &random)
                keys.append(String((0..<length).map { _ in alphabet.randomElement(using: &random)! }))
            }
            return keys.enumerated().map {
                KeyRow(n: $0.offset + 1, literal: SQLQuoting.literal($0.element), parameter: $0.element)
            }
        }

        /// Inserts `rows` into `table` through `client` in four ways, a quarter each: one row per
        /// INSERT with a literal key; one row with the key as a Bind parameter; 40 rows per
        /// INSERT with literals (rows of both shards: the proxy splits them); 20 rows per INSERT
        /// with parameters, all of one shard (`partition` from PostgreSQL), since a statement for
        /// several shards must use the simple query protocol.
        static func insert(_ rows: [KeyRow], into table: String, key: String, partition: [Int: Int], client: PGConnection) throws {
            var multiLiteral: [KeyRow] = []
            var multiParameter: [[KeyRow]] = [[], []]
            func flushLiterals() throws {
                guard !multiLiteral.isEmpty else { return }
                let values = multiLiteral.map { "(\($0.n), 'multi literal', \($0.literal))" }.joined(separator: ", ")
                let result = try client.exec("INSERT INTO \(table) (n, src, \(key)) VALUES \(values)")
                #expect(result.commandTag == "INSERT 0 \(multiLiteral.count)")
                multiLiteral.removeAll()
            }
            func flushParameters(_ shard: Int) throws {
                let batch = multiParameter[shard]
                guard !batch.isEmpty else { return }
                let values = batch.indices.map { "($\($0 * 2 + 1)::int, 'multi parameter', $\($0 * 2 + 2))" }
                let parameters = batch.flatMap { [String($0.n), $0.parameter] as [String?] }
                let result = try client.execParams("INSERT INTO \(table) (n, src, \(key)) VALUES " + values.joined(separator: ", "), params: parameters)
                #expect(result.commandTag == "INSERT 0 \(batch.count)")
                multiParameter[shard].removeAll()
            }
            for row in rows {
                switch row.n % 4 {
                case 0:
                    _ = try client.exec("INSERT INTO \(table) (n, src, \(key)) VALUES (\(row.n), 'single literal', \(row.literal))")
                case 1:
                    _ = try client.execParams(
                        "INSERT INTO \(table) (n, src, \(key)) VALUES ($1, 'single parameter', $2)", params: [String(row.n), row.parameter])
                case 2:
                    multiLiteral.append(row)
                    if multiLiteral.count == 40 { try flushLiterals() }
                default:
                    let shard = partition[row.n]!
                    multiParameter[shard].append(row)
                    if multiParameter[shard].count == 20 { try flushParameters(shard) }
                }
            }
            try flushLiterals()
            try flushParameters(0)
            try flushParameters(1)
        }

        /// Inserts `rows` into `table` (key type `keyType`) through the proxy, then checks that
        /// every row is on exactly one shard, unchanged, and on the shard PostgreSQL's own hash
        /// partitioning puts its key in. Returns the rows per shard.
        static func checkPlacement(_ rows: [KeyRow], table: String, key: String, keyType: String) throws -> [Int] {
            var perShard: [Int] = []
            try withShardedProxy { proxy, databases in
                let client = try proxy.connect()
                defer { client.close() }
                _ = try client.exec("CREATE TABLE \(table) (n int NOT NULL, src text NOT NULL, \(key) \(keyType))")

                let intended = try HashPartitionOracle.create(in: databases.main, name: "intended_\(table)", keyType: keyType)
                try intended.load(rows.map { ($0.n, $0.literal, nil) })
                let partition = try intended.partitions()
                try #require(partition.count == rows.count)
                try insert(rows, into: table, key: key, partition: partition, client: client)

                // A multi-row INSERT with parameters whose rows belong to both shards is refused.
                let zero = try #require(rows.first { partition[$0.n] == 0 })
                let one = try #require(rows.first { partition[$0.n] == 1 })
                let refused = try pgError {
                    _ = try client.execParams(
                        "INSERT INTO \(table) (n, src, \(key)) VALUES ($1::int, 'refused', $2), ($3::int, 'refused', $4)",
                        params: ["-1", zero.parameter, "-2", one.parameter])
                }
                #expect(refused?.sqlState == .featureNotSupported, "\(refused?.summary ?? "no error")")

                // Where every row is now, read straight from the shards.
                var found: [(n: Int, key: String, found: Int?)] = []
                var keyByNumber: [Int: String] = [:]
                for (index, shard) in databases.shards.enumerated() {
                    let shardRows = try shard.rows("SELECT n, \(key) FROM \(table)")
                    perShard.append(shardRows.count)
                    for row in shardRows {
                        let n = Int(row[0]!)!
                        let key = row[1] ?? ""
                        #expect(keyByNumber.updateValue(key, forKey: n) == nil, "row \(n) is on more than one shard")
                        found.append((n, keyType == "text" ? SQLQuoting.literal(key) : key, index))
                    }
                }
                #expect(found.count == rows.count, "rows on the shards: \(found.count) of \(rows.count)")
                let changed = rows.filter { keyByNumber[$0.n] != $0.parameter }.prefix(10).map { "n=\($0.n) \($0.parameter) → \(keyByNumber[$0.n] ?? "missing")" }
                #expect(changed.isEmpty, "rows missing or with another key: \(changed)")

                let check = try HashPartitionOracle.create(in: databases.main, name: "check_\(table)", keyType: keyType)
                try check.load(found)
                let misplaced = try check.misplaced()
                #expect(misplaced.isEmpty, "rows on another shard than PostgreSQL's partition: \(misplaced)")
            }
            return perShard
        }

        @Test("10,000 random bigint keys land where PARTITION BY HASH (MODULUS 2) puts them")
        func bigintKeysLandOnPostgresPartition() throws {
            let perShard = try Self.checkPlacement(Self.bigintRows(count: 10_000), table: "sh_big", key: "k", keyType: "bigint")
            print("ShardingTests.bigint: rows per shard \(perShard)")
        }

        @Test("2,000 text keys land where PARTITION BY HASH (MODULUS 2) puts them")
        func textKeysLandOnPostgresPartition() throws {
            let perShard = try Self.checkPlacement(Self.textRows(count: 2_000), table: "sh_text", key: "tk", keyType: "text")
            print("ShardingTests.text: rows per shard \(perShard)")
        }

        // MARK: - Fan-out SELECTs against one unsharded copy

        /// The rows of `sh_diff`: NULLs in every nullable column, text in mixed case (the test
        /// servers use the C collation, so byte order), numerics of several scales, doubles that
        /// are multiples of 1/4 (exact sums in any order), timestamps.
        static func differentialRows(count: Int) -> [String] {
            var random = Seeded(state: 63)
            func maybe(_ value: String) -> String { Int.random(in: 0..<10, using: &random) == 0 ? "NULL" : value }
            let alphabet = Array("abcABC xyz_é")
            return (1...count).map { id in
                let customer = Int.random(in: 1...60, using: &random)
                let a = maybe(String(Int.random(in: -1000...1000, using: &random)))
                let length = Int.random(in: 0...6, using: &random)
                let b = maybe(SQLQuoting.literal(String((0..<length).map { _ in alphabet.randomElement(using: &random)! })))
                let scale = Int.random(in: 0...3, using: &random)
                let units = Int.random(in: -99_999...99_999, using: &random)
                var cText = String(abs(units))
                if scale > 0 {
                    cText = String(repeating: "0", count: max(0, scale + 1 - cText.count)) + cText
                    cText.insert(".", at: cText.index(cText.endIndex, offsetBy: -scale))
                }
                let c = maybe((units < 0 ? "-" : "") + cText)
                let d = maybe(String(Double(Int.random(in: -4000...4000, using: &random)) / 4))
                let e = maybe(
                    String(
                        format: "'2024-%02d-%02d %02d:%02d:%02d+00'", Int.random(in: 1...12, using: &random),
                        Int.random(in: 1...28, using: &random), Int.random(in: 0...23, using: &random),
                        Int.random(in: 0...59, using: &random), Int.random(in: 0...59, using: &random)))
                let f = maybe(Bool.random(using: &random) ? "true" : "false")
                return "(\(id), \(customer), \(a), \(b), \(c), \(d), \(e), \(f))"
            }
        }

        static let differentialTable =
            "CREATE TABLE sh_diff (id int NOT NULL, customer_id bigint NOT NULL, a int, b text, c numeric, d double precision, e timestamptz, f boolean)"

        /// The column list INSERTs need: the proxy finds the shard key by name.
        static let differentialColumns = "(id, customer_id, a, b, c, d, e, f)"

        static let filters = [
            "a > 0", "b LIKE 'a%'", "c IS NOT NULL", "customer_id IN (3, 17, 42)", "d < 0 OR a IS NULL",
            "customer_id = 5 OR customer_id = 6", "e >= '2024-06-01'", "f", "customer_id = 7", "a BETWEEN -100 AND 100",
        ]

        /// 50 queries: fan-out row queries in every ORDER BY shape the merge follows (totally
        /// ordered by ending with `id`, so that both sides must agree row for row), LIMIT and
        /// OFFSET, and aggregates without GROUP BY.
        static func differentialQueries() -> [String] {
            var random = Seeded(state: 64)
            let columns = ["customer_id", "a", "b", "c", "d", "e", "f"]
            var queries: [String] = []
            func whereClause() -> String {
                Int.random(in: 0..<3, using: &random) == 0 ? "" : " WHERE " + filters.randomElement(using: &random)!
            }
            for index in 0..<30 {
                let keys = Array(columns.shuffled(using: &random).prefix(Int.random(in: 1...3, using: &random)))
                let extra = columns.filter { !keys.contains($0) }.shuffled(using: &random).prefix(Int.random(in: 0...2, using: &random))
                let selected = (["id"] + keys + extra).shuffled(using: &random)
                var order: [String] = keys.map { key in
                    // Some keys by output position, as ORDER BY 2 DESC.
                    var item = index % 4 == 0 ? String(selected.firstIndex(of: key)! + 1) : key
                    item += ["", " ASC", " DESC"].randomElement(using: &random)!
                    item += ["", " NULLS FIRST", " NULLS LAST"].randomElement(using: &random)!
                    return item
                }
                order.append(Bool.random(using: &random) ? "id" : "id DESC")
                var query = "SELECT \(selected.joined(separator: ", ")) FROM sh_diff\(whereClause()) ORDER BY \(order.joined(separator: ", "))"
                switch Int.random(in: 0..<4, using: &random) {
                case 0: query += " LIMIT \(Int.random(in: 1...40, using: &random))"
                case 1: query += " LIMIT \(Int.random(in: 1...40, using: &random)) OFFSET \(Int.random(in: 0...120, using: &random))"
                case 2: query += " OFFSET \(Int.random(in: 0...500, using: &random))"
                default: break
                }
                queries.append(query)
            }
            queries += [
                "SELECT * FROM sh_diff ORDER BY b DESC NULLS LAST, id LIMIT 25",
                "SELECT * FROM sh_diff WHERE customer_id IN (1, 2, 3, 4) ORDER BY e, id",
                "SELECT id, a * 2 AS doubled FROM sh_diff ORDER BY doubled DESC, id LIMIT 30",
                "SELECT id, lower(b) FROM sh_diff ORDER BY lower(b) NULLS FIRST, id OFFSET 10 LIMIT 40",
                "SELECT id, c FROM sh_diff ORDER BY c USING >, id USING < LIMIT 20",
                "SELECT id, d, c FROM sh_diff WHERE d IS NOT NULL ORDER BY d, c DESC, id LIMIT 15 OFFSET 5",
                "SELECT id, f, a FROM sh_diff ORDER BY f NULLS FIRST, a DESC NULLS LAST, id",
                "SELECT id FROM sh_diff WHERE a > 900 ORDER BY id LIMIT 1000 OFFSET 0",
            ]
            let aggregates = [
                "count(*)", "count(a)", "count(b)", "sum(a)", "sum(c)", "sum(d)", "min(a)", "max(a)", "min(b)", "max(b)",
                "min(c)", "max(c)", "min(d)", "max(d)", "min(e)", "max(e)", "avg(a)", "avg(c)", "avg(d)", "sum(customer_id)",
                "avg(customer_id)", "count(*) FILTER (WHERE f)", "sum(a) FILTER (WHERE f IS NOT TRUE)",
            ]
            for _ in 0..<10 {
                let items = aggregates.shuffled(using: &random).prefix(Int.random(in: 1...6, using: &random))
                queries.append("SELECT \(items.joined(separator: ", ")) FROM sh_diff\(whereClause())")
            }
            queries += [
                "SELECT count(*), sum(a), avg(c), min(b), max(e) FROM sh_diff WHERE a > 100000",
                "SELECT avg(a) AS mean, count(*) AS n, sum(c) AS total FROM sh_diff",
            ]
            return queries
        }

        @Test("50 fan-out SELECTs give exactly the rows one unsharded table gives")
        func fanOutMatchesUnshardedTable() throws {
            try Self.withShardedProxy { proxy, databases in
                for place in [databases.main] + databases.shards {
                    let collation = try place.query("SELECT datcollate FROM pg_database WHERE datname = current_database()")
                    try #require(collation == "C", "\(place) uses collation \(collation); text order would differ from byte order")
                }
                let client = try proxy.connect()
                defer { client.close() }
                _ = try client.exec(Self.differentialTable)
                try databases.main.query(Self.differentialTable)
                let rows = Self.differentialRows(count: 600)
                for start in stride(from: 0, to: rows.count, by: 50) {
                    let values = rows[start..<min(start + 50, rows.count)].joined(separator: ", ")
                    _ = try client.exec("INSERT INTO sh_diff \(Self.differentialColumns) VALUES \(values)")
                }
                try databases.main.query("INSERT INTO sh_diff \(Self.differentialColumns) VALUES " + rows.joined(separator: ", "))
                let counts = try databases.shards.map { try $0.query("SELECT count(*) FROM sh_diff") }
                #expect(counts.compactMap { Int($0) }.reduce(0, +) == rows.count, "rows per shard \(counts)")
                #expect(counts.allSatisfy { (Int($0) ?? 0) > 0 })

                let unsharded = try databases.main.connect()
                defer { unsharded.close() }
                let queries = Self.differentialQueries()
                #expect(queries.count == 50)
                var compared = 0
                var nonEmpty = 0
                for query in queries {
                    let expected = try unsharded.exec(query)
                    if !expected.rows.isEmpty && expected.rows != [[nil]] { nonEmpty += 1 }
                    let actual: PGResult
                    do {
                        actual = try client.exec(query)
                    } catch {
                        Issue.record("\(query)\n  through the proxy: \(error)")
                        continue
                    }
                    #expect(actual.columns == expected.columns, "\(query)")
                    if actual.rows != expected.rows {
                        let position = zip(actual.rows, expected.rows).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(actual.rows.count, expected.rows.count)
                        Issue.record(
                            """
                            \(query)
                              \(actual.rows.count) rows through the proxy, \(expected.rows.count) unsharded; first difference at row \(position):
                              proxy:     \(position < actual.rows.count ? "\(actual.rows[position])" : "none")
                              unsharded: \(position < expected.rows.count ? "\(expected.rows[position])" : "none")
                            """)
                    } else {
                        compared += 1
                    }
                }
                // The comparison means little if most queries found nothing.
                #expect(nonEmpty >= 40, "only \(nonEmpty) queries returned rows")
                print("ShardingTests.fanOut: \(compared) of \(queries.count) queries identical (\(nonEmpty) with rows); rows per shard \(counts)")
            }
        }

        // MARK: - Writes on several shards

        static let ordersTable = "CREATE TABLE sh_orders (customer_id bigint NOT NULL, id int NOT NULL, note text, PRIMARY KEY (customer_id, id))"

        /// Customer ids 1...40 by the shard PostgreSQL's hash partitioning puts them on.
        static func customersByShard(_ databases: CrossClusterDatabases) throws -> [[Int]] {
            let oracle = try HashPartitionOracle.create(in: databases.main, name: "customers_oracle", keyType: "bigint")
            defer { try? oracle.drop() }
            try oracle.load((1...40).map { ($0, String($0), nil) })
            let partition = try oracle.partitions()
            return (0..<2).map { shard in (1...40).filter { partition[$0] == shard } }
        }

        /// `(customer_id, id)` rows of `sh_orders` on each shard, as `customer:id:note`.
        static func orders(_ databases: CrossClusterDatabases) throws -> [[String]] {
            try databases.shards.map { shard in
                try shard.rows("SELECT customer_id || ':' || id || ':' || coalesce(note, '') FROM sh_orders ORDER BY 1").map { $0[0]! }
            }
        }

        static func shardPrepared(_ databases: CrossClusterDatabases) throws -> [String] {
            try databases.shards.flatMap { shard in
                try shard.server.query("SELECT gid FROM pg_prepared_xacts").split(separator: "\n").map { "\(shard.cluster): \($0)" }
            }
        }

        @Test("a multi-row INSERT spanning shards, one shard refusing a row: no row anywhere, the error to the client",
              arguments: [(0, "check"), (1, "check"), (0, "unique"), (1, "unique")])
        func failingShardRollsBackMultiRowInsert(failing: Int, violation: String) throws {
            try Self.withShardedProxy { proxy, databases in
                let customers = try Self.customersByShard(databases)
                let client = try proxy.connect()
                defer { client.close() }
                _ = try client.exec(Self.ordersTable)
                // Rows already there: two per shard.
                let existing = [customers[0][0], customers[0][1], customers[1][0], customers[1][1]]
                for customer in existing { _ = try client.exec("INSERT INTO sh_orders (customer_id, id, note) VALUES (\(customer), 1, 'old')") }
                if violation == "check" {
                    try databases.shards[failing].query("ALTER TABLE sh_orders ADD CONSTRAINT no_boom CHECK (note <> 'boom')")
                }
                let before = try Self.orders(databases)

                // Three rows per shard; on the failing shard one breaks the CHECK, or repeats an
                // existing key.
                var rows: [String] = []
                for shard in 0..<2 {
                    for (position, customer) in customers[shard][2..<5].enumerated() {
                        let note = shard == failing && position == 1 && violation == "check" ? "boom" : "new"
                        rows.append("(\(customer), 2, '\(note)')")
                    }
                }
                if violation == "unique" { rows.insert("(\(customers[failing][0]), 1, 'again')", at: 2) }
                let error = try pgError { _ = try client.exec("INSERT INTO sh_orders (customer_id, id, note) VALUES " + rows.joined(separator: ", ")) }
                let code = violation == "check" ? "23514" : "23505"
                #expect(error?.sqlState?.code == code, "\(error?.summary ?? "the INSERT succeeded")")
                #expect(client.transactionStatus == .idle)
                #expect(try Self.orders(databases) == before, "rows changed on a shard")
                #expect(try Self.shardPrepared(databases) == [], "prepared transactions left")

                // The same rows without the bad one go in, each on its shard.
                let good = rows.filter { !$0.contains("boom") && !$0.contains("again") }
                let result = try client.exec("INSERT INTO sh_orders (customer_id, id, note) VALUES " + good.joined(separator: ", "))
                #expect(result.commandTag == "INSERT 0 \(good.count)")
                let after = try Self.orders(databases)
                for shard in 0..<2 {
                    #expect(after[shard].count == before[shard].count + good.filter { row in customers[shard].contains { row.hasPrefix("(\($0),") } }.count)
                }
            }
        }

        @Test("UPDATE without a shard key: 0A000; with all_shards: every shard, atomically, one combined tag")
        func allShardsUpdate() throws {
            try Self.withShardedProxy { proxy, databases in
                let customers = try Self.customersByShard(databases)
                let client = try proxy.connect()
                defer { client.close() }
                _ = try client.exec(Self.ordersTable)
                let values = (customers[0].prefix(5) + customers[1].prefix(7)).map { "(\($0), 1, 'old')" }
                _ = try client.exec("INSERT INTO sh_orders (customer_id, id, note) VALUES " + values.joined(separator: ", "))

                let refused = try pgError { _ = try client.exec("UPDATE sh_orders SET note = 'x'") }
                #expect(refused?.sqlState == .featureNotSupported, "\(refused?.summary ?? "no error")")
                #expect(refused?.message.contains("customer_id") == true, "\(refused?.summary ?? "")")
                #expect(try Self.orders(databases).joined().allSatisfy { $0.hasSuffix(":old") })

                let updated = try client.exec("/* switchyard: all_shards */ UPDATE sh_orders SET note = 'updated' WHERE id = 1")
                #expect(updated.commandTag == "UPDATE 12")
                let after = try Self.orders(databases)
                #expect(after.map(\.count) == [5, 7])
                #expect(after.joined().allSatisfy { $0.hasSuffix(":updated") }, "\(after)")

                // A RETURNING list comes back from every shard.
                let returned = try client.exec("/* switchyard: all_shards */ DELETE FROM sh_orders WHERE customer_id % 2 = 0 RETURNING customer_id")
                let even = (customers[0].prefix(5) + customers[1].prefix(7)).filter { $0 % 2 == 0 }
                #expect(returned.rows.compactMap { $0[0].flatMap { Int($0) } }.sorted() == even.sorted())
                #expect(returned.commandTag == "DELETE \(even.count)")
                #expect(try Self.shardPrepared(databases) == [])
            }
        }

        @Test("DDL on a sharded table runs on every shard, and not at all when one shard refuses it")
        func ddlRunsOnEveryShard() throws {
            try Self.withShardedProxy { proxy, databases in
                let client = try proxy.connect()
                defer { client.close() }
                _ = try client.exec(Self.ordersTable)
                _ = try client.exec("INSERT INTO sh_orders (customer_id, id, note) VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 1, 'c'), (4, 1, 'd')")
                func columns(_ shard: CrossClusterDatabases.Place) throws -> String {
                    try shard.query(
                        "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'sh_orders'")
                }

                _ = try client.exec("ALTER TABLE sh_orders ADD COLUMN extra int NOT NULL DEFAULT 7")
                _ = try client.exec("CREATE INDEX sh_orders_note ON sh_orders (note)")
                for shard in databases.shards {
                    #expect(try columns(shard) == "customer_id,id,note,extra", "\(shard)")
                    #expect(try shard.query("SELECT count(*) FROM sh_orders WHERE extra <> 7") == "0")
                    #expect(try shard.query("SELECT count(*) FROM pg_indexes WHERE indexname = 'sh_orders_note'") == "1", "\(shard)")
                }

                // Shard 1 already has a column named clash: the ALTER fails there, so nowhere.
                try databases.shards[1].query("ALTER TABLE sh_orders ADD COLUMN clash int")
                let error = try pgError { _ = try client.exec("ALTER TABLE sh_orders ADD COLUMN clash int") }
                #expect(error?.sqlState?.code == "42701", "\(error?.summary ?? "the ALTER succeeded")")
                #expect(try columns(databases.shards[0]) == "customer_id,id,note,extra")
                #expect(try Self.shardPrepared(databases) == [])
                // The table still takes writes through the proxy on both shards.
                _ = try client.exec("INSERT INTO sh_orders (customer_id, id, note) VALUES (1, 2, 'e'), (2, 2, 'f'), (3, 2, 'g'), (4, 2, 'h')")
                #expect(try Self.orders(databases).joined().count == 8)
            }
        }

        /// `modulo` puts key k on shard k mod 2 (SPEC §3): an arithmetic oracle.
        @Test("a multi-row INSERT is split by its own table's shard group when another group has the same key name")
        func multiRowInsertUsesItsTablesGroup() throws {
            try CrossClusterDatabases.with(withShards: true) { databases in
                let groups = [
                    MultiClusterConfiguration.ShardGroup(tables: ["sh_hashed"], key: "tenant", clusters: ["shard0", "shard1"]),
                    MultiClusterConfiguration.ShardGroup(
                        tables: ["sh_mod"], key: "tenant", function: "modulo", clusters: ["shard0", "shard1"]),
                ]
                let proxy = try MultiClusterProxy.start(databases.configuration(shardGroups: groups))
                defer { proxy.stop() }
                let client = try proxy.connect()
                defer { client.close() }
                _ = try client.exec("CREATE TABLE sh_mod (tenant bigint, n int)")
                _ = try client.exec("INSERT INTO sh_mod (tenant, n) VALUES " + (0..<10).map { "(\($0), \($0))" }.joined(separator: ", "))
                for tenant in 10..<20 { _ = try client.exec("INSERT INTO sh_mod (tenant, n) VALUES (\(tenant), \(tenant))") }
                for (index, shard) in databases.shards.enumerated() {
                    let tenants = try shard.query("SELECT string_agg(tenant::text, ',' ORDER BY tenant) FROM sh_mod")
                    let expected = (0..<20).filter { $0 % 2 == index }.map(String.init).joined(separator: ",")
                    #expect(tenants == expected, "shard \(index)")
                }
            }
        }
    }
}
