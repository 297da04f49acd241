// PgHashCompatibilityTests: pg_hash places keys exactly where PostgreSQL's hash partitioning does.
import SwitchyardRouting
import SwitchyardTesting
import Testing

/// PostgreSQL itself is the oracle: rows go into a table `PARTITION BY HASH (k)` with partitions
/// `p0 ... p{n-1}` (`REMAINDER i` = `p{i}`), and each row's `tableoid` is compared with the shard
/// the router computes for its key.
@Suite(.serialized) struct PgHashCompatibilityTests {
    /// A deterministic generator (SplitMix64), so a failure can be reproduced.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            self.state &+= 0x9E37_79B9_7F4A_7C15
            var z = self.state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func bigintKeys() -> [Int64] {
        var random = Seeded(state: 15)
        var keys: [Int64] = [0, 1, -1, Int64.max, Int64.min, 42, -42, 4_294_967_296, -4_294_967_297]
        for _ in 0..<1500 { keys.append(Int64(bitPattern: random.next())) }
        for _ in 0..<500 { keys.append(Int64.random(in: -100_000...100_000, using: &random)) }
        return keys
    }

    static func textKeys() -> [String] {
        var random = Seeded(state: 16)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_éüñ日本語😀")
        var keys = ["", "a", "A", " ", "customer-1", "日本語", "😀", String(repeating: "x", count: 300)]
        for _ in 0..<1200 {
            let length = Int.random(in: 0...40, using: &random)
            keys.append(String((0..<length).map { _ in alphabet.randomElement(using: &random)! }))
        }
        return Array(Set(keys)).sorted()
    }

    /// Creates the partitioned table, loads `literals`, and returns (key text, partition index).
    func placements(type: String, modulus: Int, literals: [String], connection: PGConnection) throws -> [(String, Int)] {
        let table = "pghash_\(type)_\(modulus)"
        _ = try connection.exec("DROP TABLE IF EXISTS \(table)")
        _ = try connection.exec("CREATE TABLE \(table) (k \(type)) PARTITION BY HASH (k)")
        for remainder in 0..<modulus {
            _ = try connection.exec(
                "CREATE TABLE \(table)_p\(remainder) PARTITION OF \(table) FOR VALUES WITH (MODULUS \(modulus), REMAINDER \(remainder))"
            )
        }
        for chunk in stride(from: 0, to: literals.count, by: 500) {
            let values = literals[chunk..<min(chunk + 500, literals.count)].map { "(\($0))" }.joined(separator: ",")
            _ = try connection.exec("INSERT INTO \(table) VALUES \(values)")
        }
        let result = try connection.exec("SELECT k::text, tableoid::regclass::text FROM \(table)")
        _ = try connection.exec("DROP TABLE \(table)")
        return result.rows.map { row in
            let partition = row[1]!
            let index = Int(partition[partition.index(after: partition.lastIndex(of: "p")!)...])!
            return (row[0]!, index)
        }
    }

    static func group(_ type: ShardKeyType, modulus: Int) -> ShardGroup {
        ShardGroup(
            tables: [NamePattern("t")!],
            key: "k",
            keyType: type,
            function: .pgHash,
            clusters: (0..<modulus).map { "shard\($0)" }
        )
    }

    @Test(arguments: [2, 3, 7])
    func bigintKeysLandWherePostgreSQLPutsThem(modulus: Int) throws {
        let primary = try TestCluster.shared.primary()
        let connection = try PGConnection(primary.connectionString(user: "postgres", password: "postgres", database: "app"))
        defer { connection.close() }
        let keys = Self.bigintKeys()
        let rows = try self.placements(type: "bigint", modulus: modulus, literals: keys.map { "\($0)" }, connection: connection)
        #expect(rows.count == keys.count)
        let group = Self.group(.bigint, modulus: modulus)
        var mismatches = 0
        for (text, partition) in rows where group.shard(of: .integer(Int64(text)!)) != partition {
            mismatches += 1
        }
        #expect(mismatches == 0, "\(mismatches) of \(rows.count) bigint keys placed differently with modulus \(modulus)")
    }

    @Test(arguments: [2, 3, 7])
    func textKeysLandWherePostgreSQLPutsThem(modulus: Int) throws {
        let primary = try TestCluster.shared.primary()
        let connection = try PGConnection(primary.connectionString(user: "postgres", password: "postgres", database: "app"))
        defer { connection.close() }
        let keys = Self.textKeys()
        let literals = keys.map { "'" + $0.replacingQuotes() + "'" }
        let rows = try self.placements(type: "text", modulus: modulus, literals: literals, connection: connection)
        #expect(rows.count == keys.count)
        let group = Self.group(.text, modulus: modulus)
        var mismatches = 0
        for (text, partition) in rows where group.shard(of: .text(Array(text.utf8))) != partition {
            mismatches += 1
        }
        #expect(mismatches == 0, "\(mismatches) of \(rows.count) text keys placed differently with modulus \(modulus)")
    }
}

extension String {
    fileprivate func replacingQuotes() -> String {
        var result = ""
        for character in self {
            if character == "'" { result.append("''") } else { result.append(character) }
        }
        return result
    }
}
