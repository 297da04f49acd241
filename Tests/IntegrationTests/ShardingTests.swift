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

        /// `modulo` puts key k on shard k mod 2 (SPEC §3): an arithmetic oracle.
        @Test("a multi-row INSERT is split by its own table's shard group when another group has the same key name",
              .disabled("daemon bug: ClientConnection.shardGroup(for:statement:) picks the first group with the same clusters and key column, not the group of the INSERT's table, so sh_mod rows are split by pg_hash"))
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
