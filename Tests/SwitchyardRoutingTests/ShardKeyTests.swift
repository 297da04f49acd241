// ShardKeyTests: shard functions, and keys from SQL constants, hints and Bind parameters.

import SwitchyardRouting
import SwitchyardSQL
import Testing

@Suite struct ShardKeyTests {
    /// `modulo` is `key mod N`, the non-negative remainder for negative keys (SPEC §3).
    static let modulo: [(Int64, Int)] = [
        (0, 0), (1, 1), (2, 2), (3, 0), (7, 1), (-1, 2), (-2, 1), (-3, 0), (-7, 2),
        (.max, 1), (.min, 1), (.min + 1, 2),
    ]

    @Test(arguments: modulo)
    func moduloIsTheNonNegativeRemainder(_ key: Int64, _ shard: Int) {
        // Int64.max = 3 * 3074457345618258602 + 1; Int64.min = -3 * 3074457345618258603 + 1.
        #expect(Fixtures.ledger.shard(of: .integer(key)) == shard)
    }

    /// Placements captured from PostgreSQL 15 hash partitions (MODULUS 2, 3, 7); see
    /// PostgresHashTests.
    @Test func pgHashGroupsPlaceKeysLikePostgreSQL() {
        #expect(
            [0, 1, -1, 42, 3, 6, 9, -8].map { Fixtures.orders.shard(of: .integer($0)) } == [0, 0, 1, 0, 1, 1, 1, 1])
        #expect([0, 1, -1, 42, 2, 17].map { Fixtures.metrics.shard(of: .integer($0)) } == [4, 5, 0, 0, 6, 2])
        #expect(
            ["", "a", "customer-1", "é", "日本語", "x", "n"].map { Fixtures.events.shard(of: .text(Array($0.utf8))) }
                == [2, 2, 1, 1, 0, 1, 0])
    }

    @Test func nullKeysGoToShardZero() {
        #expect(Fixtures.orders.shard(of: .null) == 0)
        #expect(Fixtures.ledger.shard(of: .null) == 0)
    }

    static let literals: [(ShardGroup, KeyValue, ShardKey?)] = [
        (Fixtures.orders, .integer(5), .integer(5)),
        (Fixtures.orders, .string("5"), .integer(5)),
        (Fixtures.orders, .string(" -5 "), .integer(-5)),
        (Fixtures.orders, .string("five"), nil),
        (Fixtures.orders, .parameter(1), nil),
        (Fixtures.events, .string("abc"), .text(Array("abc".utf8))),
        (Fixtures.events, .integer(5), nil),
        (Fixtures.ledger, .string("7"), .integer(7)),
    ]

    /// `bigint_col = '5'` reads the literal with int8 input; `text_col = 5` has no operator.
    @Test(arguments: literals)
    func literalsCoerceLikePostgreSQL(_ group: ShardGroup, _ value: KeyValue, _ expected: ShardKey?) {
        #expect(group.key(for: value) == expected)
    }

    @Test func hintValuesAreReadForTheKeyType() {
        #expect(Fixtures.orders.key(forHint: "42") == .integer(42))
        #expect(Fixtures.orders.key(forHint: "4x") == nil)
        #expect(Fixtures.events.key(forHint: "4x") == .text(Array("4x".utf8)))
    }

    private func key(
        _ group: ShardGroup, _ bytes: [UInt8]?, _ format: ParameterValue.Format, oid: UInt32 = 0
    ) -> ShardKey? {
        guard let bytes else {
            return group.key(forParameter: ParameterValue(bytes: nil, format: format, typeOID: oid))
        }
        return bytes.withUnsafeBytes {
            group.key(forParameter: ParameterValue(bytes: $0, format: format, typeOID: oid))
        }
    }

    /// Binary integers are big-endian two's complement (PostgreSQL's int8send/int4send/int2send).
    @Test func bindParameters() {
        let orders = Fixtures.orders
        #expect(self.key(orders, Array("42".utf8), .text) == .integer(42))
        #expect(self.key(orders, Array(" 42".utf8), .text) == .integer(42))
        #expect(self.key(orders, Array("x".utf8), .text) == nil)
        #expect(self.key(orders, nil, .text) == .null)
        #expect(self.key(orders, [0, 0, 0, 0, 0, 0, 0, 42], .binary, oid: 20) == .integer(42))
        #expect(self.key(orders, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE], .binary, oid: 20) == .integer(-2))
        #expect(self.key(orders, [0x80, 0, 0, 0, 0, 0, 0, 0], .binary) == .integer(.min))
        #expect(self.key(orders, [0xFF, 0xFF, 0xFF, 0xFD], .binary, oid: 23) == .integer(-3))
        #expect(self.key(orders, [0x7F, 0xFF, 0xFF, 0xFF], .binary, oid: 23) == .integer(2_147_483_647))
        #expect(self.key(orders, [0x80, 0x00], .binary, oid: 21) == .integer(-32768))
        #expect(self.key(orders, [0, 42], .binary, oid: 21) == .integer(42))
        #expect(self.key(orders, [0, 0, 0, 42], .binary) == nil)
        #expect(self.key(orders, [0, 0, 0, 42], .binary, oid: 20) == nil)
        #expect(self.key(orders, Array("42".utf8), .binary, oid: 25) == nil)
        let events = Fixtures.events
        #expect(self.key(events, Array("abc".utf8), .text) == .text(Array("abc".utf8)))
        #expect(self.key(events, Array("abc".utf8), .binary, oid: 25) == .text(Array("abc".utf8)))
        #expect(self.key(events, Array("abc".utf8), .binary, oid: 1043) == .text(Array("abc".utf8)))
        #expect(self.key(events, Array("abc".utf8), .binary) == .text(Array("abc".utf8)))
        #expect(self.key(events, [0, 0, 0, 1], .binary, oid: 23) == nil)
        #expect(self.key(events, nil, .binary) == .null)
    }
}
