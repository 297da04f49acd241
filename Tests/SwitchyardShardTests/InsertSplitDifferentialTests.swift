// InsertSplitDifferentialTests: split INSERT rows land on the shard PostgreSQL's hash partitioning picks.

import SwitchyardRouting
import SwitchyardShard
import SwitchyardTesting
import Testing

/// PostgreSQL is the oracle: the whole INSERT goes into a table `PARTITION BY HASH (k)` with
/// partitions `REMAINDER i` of `MODULUS 3`, and each shard's split INSERT into a plain table
/// `s_i`; partition `i` and table `s_i` must hold the same rows.
@Suite(.serialized) struct InsertSplitDifferentialTests {
    static let schema = "fanout_split"

    static func group(_ type: ShardKeyType) -> ShardGroup {
        ShardGroup(
            tables: [NamePattern("\(schema).target")!], key: "k", keyType: type, function: .pgHash,
            clusters: ["s0", "s1", "s2"])
    }

    /// Creates the partitioned table and the shard tables for key type `type`.
    static func prepare(_ session: WireSession, type: String) throws {
        try session.run("DROP SCHEMA IF EXISTS \(schema) CASCADE")
        try session.run("CREATE SCHEMA \(schema)")
        try session.run("CREATE TABLE \(schema).target (id int, k \(type), v text) PARTITION BY HASH (k)")
        for shard in 0..<3 {
            try session.run(
                "CREATE TABLE \(schema).target_p\(shard) PARTITION OF \(schema).target FOR VALUES WITH (MODULUS 3, REMAINDER \(shard))"
            )
            try session.run("CREATE TABLE \(schema).s_\(shard) (id int, k \(type), v text)")
        }
    }

    static func expectSamePlacement(_ session: WireSession) throws {
        for shard in 0..<3 {
            let partition = try session.simple("SELECT id, k, v FROM \(schema).target_p\(shard) ORDER BY id")
            let split = try session.simple("SELECT id, k, v FROM \(schema).s_\(shard) ORDER BY id")
            #expect(!partition.rows.isEmpty)
            #expect(split.rows == partition.rows, "shard \(shard)")
        }
    }

    static func keys(_ type: ShardKeyType) -> [String] {
        var random = SeededGenerator(seed: type == .bigint ? 11 : 12)
        return (0..<150).map { _ in
            switch type {
            case .bigint: return String(Int64(bitPattern: random.next()) >> Int64(random.next() % 63))
            case .text:
                let alphabet = Array("abcxyz019 -éü日本😀")
                return String((0..<Int(random.next() % 12)).map { _ in alphabet.randomElement(using: &random)! })
            }
        }
    }

    @Test(arguments: [ShardKeyType.bigint, .text])
    func literalRowsLandOnTheirPartitions(_ type: ShardKeyType) throws {
        let session = try WireSession(port: try TestCluster.shared.primary().port)
        try Self.prepare(session, type: type.rawValue)
        let rows = Self.keys(type).enumerated().map { index, key in
            "(\(index), \(type == .bigint ? key : "'\(key)'"), 'row \(index)')"
        }
        let sql = "INSERT INTO \(Self.schema).target (id, k, v) VALUES \(rows.joined(separator: ", ")) RETURNING id"
        try session.run(sql)
        guard case .split(let inserts) = InsertSplitter.split(sql: sql, group: Self.group(type)) else {
            Issue.record("not split")
            return
        }
        #expect(inserts.map(\.shard) == [0, 1, 2])
        #expect(inserts.map(\.rowCount).reduce(0, +) == rows.count)
        for insert in inserts {
            let result = try session.simple(insert.sql.replacing("\(Self.schema).target", with: "\(Self.schema).s_\(insert.shard)"))
            #expect(result.error == nil)
            #expect(result.tag == "INSERT 0 \(insert.rowCount)")
        }
        try Self.expectSamePlacement(session)
    }

    @Test(arguments: [ShardKeyType.bigint, .text])
    func parameterRowsLandOnTheirPartitions(_ type: ShardKeyType) throws {
        let session = try WireSession(port: try TestCluster.shared.primary().port)
        try Self.prepare(session, type: type.rawValue)
        let keys = Array(Self.keys(type).prefix(60))
        // Row i: ($2i+1 id, $2i+2 key, constant text).
        let rows = keys.indices.map { "($\(2 * $0 + 1)::int, $\(2 * $0 + 2), 'row \($0)')" }
        let sql = "INSERT INTO \(Self.schema).target (id, k, v) VALUES \(rows.joined(separator: ", "))"
        let parameters: [String?] = keys.enumerated().flatMap { [String($0.offset), $0.element] }
        let direct = try session.extended(sql, parameters: parameters, resultFormat: 0)
        #expect(direct.error == nil, "\(direct.error ?? [:])")
        let split = InsertSplitter.split(
            sql: sql, group: Self.group(type), parameters: InsertSplitterTests.textParameters(parameters))
        guard case .split(let inserts) = split else {
            Issue.record("not split: \(split)")
            return
        }
        for insert in inserts {
            let text = insert.sql.replacing("\(Self.schema).target", with: "\(Self.schema).s_\(insert.shard)")
            let shardParameters = (insert.parameters ?? Array(1...parameters.count)).map { parameters[$0 - 1] }
            let result = try session.extended(text, parameters: shardParameters, resultFormat: 0)
            #expect(result.error == nil, "\(result.error ?? [:])")
        }
        try Self.expectSamePlacement(session)
    }
}
