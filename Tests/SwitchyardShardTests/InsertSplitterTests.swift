// InsertSplitterTests: multi-row INSERTs split by pg_hash and modulo, parameters renumbered, refusals.

import SwitchyardRouting
import SwitchyardShard
import Testing

@Suite struct InsertSplitterTests {
    static func pattern(_ text: String) -> NamePattern {
        guard let pattern = NamePattern(text) else { preconditionFailure("bad pattern \(text)") }
        return pattern
    }

    /// The routing tests' groups; their placements were captured from PostgreSQL 15 hash
    /// partitions (see PostgresHashTests and ShardKeyTests in SwitchyardRoutingTests).
    static let orders = ShardGroup(
        tables: [pattern("orders")], key: "customer_id", keyType: .bigint, function: .pgHash, clusters: ["s0", "s1"])
    static let events = ShardGroup(
        tables: [pattern("events")], key: "tenant", keyType: .text, function: .pgHash, clusters: ["e0", "e1", "e2"])
    static let ledger = ShardGroup(
        tables: [pattern("ledger")], key: "account_id", keyType: .bigint, function: .modulo, clusters: ["l0", "l1", "l2"])

    static func texts(_ split: InsertSplit) -> [Int: String] {
        guard case .split(let inserts) = split else { return [:] }
        return Dictionary(uniqueKeysWithValues: inserts.map { ($0.shard, $0.sql) })
    }

    @Test func bigintKeysSplitWherePostgreSQLPutsThem() {
        // pg_hash over 2 shards: 0 → 0, 1 → 0, -1 → 1, 42 → 0, 3 → 1.
        let split = InsertSplitter.split(
            sql: "INSERT INTO orders (id, customer_id, total) VALUES (1, 0, 10), (2, 1, 20), (3, -1, 30), (4, 42, 40), (5, 3, 50) RETURNING id",
            group: Self.orders)
        #expect(
            split
                == .split([
                    ShardInsert(
                        shard: 0,
                        text: Array("INSERT INTO orders (id, customer_id, total) VALUES (1, 0, 10), (2, 1, 20), (4, 42, 40) RETURNING id".utf8),
                        parameters: [], rowCount: 3),
                    ShardInsert(
                        shard: 1,
                        text: Array("INSERT INTO orders (id, customer_id, total) VALUES (3, -1, 30), (5, 3, 50) RETURNING id".utf8),
                        parameters: [], rowCount: 2),
                ]))
    }

    @Test func textKeysSplitWherePostgreSQLPutsThem() {
        // pg_hash over 3 shards: '' → 2, 'a' → 2, 'customer-1' → 1, 'é' → 1, '日本語' → 0, 'n' → 0.
        let split = InsertSplitter.split(
            sql: "insert into events(tenant,v)values('',1),('a',2),('customer-1',3),('é',4),('日本語',5),('n',6)",
            group: Self.events)
        #expect(
            Self.texts(split) == [
                0: "insert into events(tenant,v)values('日本語',5), ('n',6)",
                1: "insert into events(tenant,v)values('customer-1',3), ('é',4)",
                2: "insert into events(tenant,v)values('',1), ('a',2)",
            ])
    }

    @Test func moduloKeysUseTheNonNegativeRemainder() {
        let split = InsertSplitter.split(
            sql: "INSERT INTO ledger (account_id, amount) VALUES (7, 1), (-1, 2), (9, 3), ('-3', 4)", group: Self.ledger)
        #expect(
            Self.texts(split) == [
                0: "INSERT INTO ledger (account_id, amount) VALUES (9, 3), ('-3', 4)",
                1: "INSERT INTO ledger (account_id, amount) VALUES (7, 1)",
                2: "INSERT INTO ledger (account_id, amount) VALUES (-1, 2)",
            ])
    }

    @Test func rowsOfOneShardKeepTheClientText() {
        let sql = "INSERT INTO orders (customer_id, total) VALUES ($1, 1), (42, $2) /* hint */"
        let split = InsertSplitter.split(sql: sql, group: Self.orders, parameters: Self.textParameters(["0", "5"]))
        #expect(
            split
                == .split([
                    ShardInsert(
                        shard: 0, text: Array("INSERT INTO orders (customer_id, total) VALUES ($1, 1), (42, $2)".utf8),
                        parameters: nil, rowCount: 2)
                ]))
    }

    @Test func parametersAreRenumberedPerShard() throws {
        let sql = """
            INSERT INTO orders (customer_id, note) VALUES ($1, $2), ($3, $4), ($5, 'x') \
            ON CONFLICT (id) DO UPDATE SET note = $6
            """
        // $1 = 42 → shard 0, $3 = -1 → shard 1, $5 = 0 → shard 0.
        let split = InsertSplitter.split(
            sql: sql, group: Self.orders, parameters: Self.textParameters(["42", "a", "-1", "b", "0", "c"]))
        guard case .split(let inserts) = split else {
            Issue.record("not split: \(split)")
            return
        }
        #expect(inserts.map(\.shard) == [0, 1])
        #expect(
            inserts[0].sql
                == "INSERT INTO orders (customer_id, note) VALUES ($1, $2), ($3, 'x') ON CONFLICT (id) DO UPDATE SET note = $4")
        #expect(inserts[0].parameters == [1, 2, 5, 6])
        #expect(inserts[1].sql == "INSERT INTO orders (customer_id, note) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET note = $3")
        #expect(inserts[1].parameters == [3, 4, 6])
        #expect(inserts.map(\.rowCount) == [2, 1])
    }

    @Test func binaryParametersAreReadByType() {
        // int8 -1 (binary) → shard 1; int4 42 (binary) → shard 0.
        let values: [[UInt8]] = [[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [0, 0, 0, 42]]
        let types: [UInt32] = [20, 23]
        let split = InsertSplitter.split(sql: "INSERT INTO orders (customer_id) VALUES ($1), ($2)", group: Self.orders) {
            number in
            values[number - 1].withUnsafeBytes { raw in
                // Read during the call only.
                ParameterValue(bytes: UnsafeRawBufferPointer(raw), format: .binary, typeOID: types[number - 1])
            }
        }
        #expect(Self.texts(split) == [0: "INSERT INTO orders (customer_id) VALUES ($1)", 1: "INSERT INTO orders (customer_id) VALUES ($1)"])
        guard case .split(let inserts) = split else { return }
        #expect(inserts.map(\.parameters) == [[2], [1]])
    }

    static let refusals: [(String, ShardGroup, String)] = [
        ("INSERT INTO orders (customer_id) SELECT id FROM customers", orders, "INSERT ... SELECT"),
        ("INSERT INTO orders DEFAULT VALUES", orders, "an INSERT without a column list naming the shard key"),
        ("INSERT INTO orders VALUES (1, 2)", orders, "an INSERT without a column list naming the shard key"),
        ("INSERT INTO orders (id, total) VALUES (1, 2)", orders, "an INSERT whose column list does not name the shard key"),
        ("INSERT INTO orders (customer_id, total) VALUES (1 + 1, 2)", orders, "the shard key of row 1 is not a constant or parameter"),
        ("INSERT INTO orders (customer_id) VALUES (1), (DEFAULT)", orders, "the shard key of row 2 is not a constant or parameter"),
        ("INSERT INTO orders (customer_id) VALUES (NULL)", orders, "the shard key of row 1 is not a constant or parameter"),
        ("INSERT INTO orders (customer_id) VALUES ($1)", orders, "the shard key of row 1 is parameter $1, which has no value"),
        ("INSERT INTO orders (customer_id) VALUES ('x1')", orders, "the shard key of row 1 is not a valid bigint"),
        ("INSERT INTO events (tenant) VALUES (5)", events, "the shard key of row 1 is not a valid text"),
        ("INSERT INTO orders (customer_id) VALUES (1), (2, 3)", orders, "a VALUES row whose length differs from the column list"),
        (
            "WITH x AS (SELECT 1) INSERT INTO orders (customer_id) VALUES (1)", orders,
            "an INSERT with WITH"
        ),
        ("UPDATE orders SET total = 1 WHERE customer_id = 1", orders, "only INSERT rows can be split by shard (UPDATE)"),
        ("INSERT INTO orders (customer_id) VALUES (1); SELECT 1", orders, "an INSERT to split must be exactly one statement"),
    ]

    @Test(arguments: refusals)
    func refusesWhatCannotBeSplit(_ sql: String, _ group: ShardGroup, _ reason: String) {
        #expect(InsertSplitter.split(sql: sql, group: group) == .unsupported(reason))
    }

    @Test func shardTagsAddUp() {
        #expect(InsertSplitter.combinedTag(["INSERT 0 3", "INSERT 0 2"]) == "INSERT 0 5")
        #expect(InsertSplitter.combinedTag(["INSERT 0 3", "UPDATE 2"]) == nil)
    }

    /// Text parameters `$1...` (read during the call only).
    static func textParameters(_ values: [String?]) -> (Int) -> ParameterValue? {
        let buffers = values.map { value in
            value.map { text -> UnsafeRawBufferPointer in
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: text.utf8.count, alignment: 1)
                buffer.copyBytes(from: text.utf8)
                // Kept for the test process's life; a handful of bytes.
                return UnsafeRawBufferPointer(buffer)
            }
        }
        return { number in
            guard number >= 1, number <= buffers.count else { return nil }
            return ParameterValue(bytes: buffers[number - 1], format: .text)
        }
    }
}
