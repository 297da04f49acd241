// DifferentialData: a table of awkward values (NULLs, NaN, infinities, BC dates, ties) split over shard tables.

import SwitchyardTesting

/// A deterministic generator (SplitMix64), so a failing case can be reproduced.
struct SeededGenerator: RandomNumberGenerator, Sendable {
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

/// The table `fanout_diff.t_all` and its rows split over `t_0`, `t_1`, `t_2` (same schema; shard 2
/// small, so many filters leave it empty). Text columns use the C collation, which is what the
/// merge's byte order reproduces.
enum DifferentialData {
    static let schema = "fanout_diff"
    static let shardCount = 3

    static let columns = """
        id int PRIMARY KEY, i int, b bigint, s smallint, n numeric, f float8, g float8, r real,
        tx text COLLATE "C", vc varchar(20) COLLATE "C", ch char(4) COLLATE "C", ts timestamp, tz timestamptz,
        d date, tm time, bo bool, u uuid, by bytea, o oid, h float8, e float8, q real
        """

    /// SQL literals per column (NULL is added by the generator). `f` and `r` hold multiples of
    /// 1/8 and 1/4 small enough that every sum is exact in any order; `g` holds values of every
    /// magnitude and is only ordered, never summed.
    static let pools: [(column: String, literals: [String])] = [
        ("i", ["0", "1", "-1", "2", "-7", "42", "1000000", "-2147483648", "2147483647"]),
        ("b", ["0", "3", "-3", "9007199254740993", "-9223372036854775807", "9223372036854775807", "123456789012"]),
        ("s", ["0", "1", "-1", "32767", "-32768", "100"]),
        (
            "n",
            [
                "0", "1.5", "1.50", "-1.5", "2.25", "-3.125", "1000000.0001", "0.0001", "-0.00001", "9999.9999",
                "10000", "0.00005", "99999999",
                "123456789012345678901234567890.123", "7", "'NaN'", "'Infinity'", "'-Infinity'",
            ]
        ),
        ("f", ["0", "'-0'", "0.5", "-1.25", "2.75", "1024.125", "-3.5", "'NaN'", "'Infinity'", "'-Infinity'"]),
        (
            "g",
            [
                "0", "'-0'", "1e-7", "1.5e20", "3.3", "-2.2250738585072014e-308", "1e300", "0.1", "'NaN'",
                "'Infinity'", "'-Infinity'", "123456789.125",
            ]
        ),
        ("r", ["0", "0.25", "-1.5", "3.75", "100.5", "'-0'", "'NaN'"]),
        ("tx", ["''", "'a'", "'A'", "'b'", "'ab'", "'a b'", "'é'", "'日本'", "'😀'", "'z'", "'10'", "'9'", "E'a\\tb'"]),
        ("vc", ["''", "'x'", "'X'", "'xy'", "'x y'", "'ü'", "'~'"]),
        ("ch", ["'a'", "'a b'", "E'a\\t'", "''", "'ab'", "'é'", "'zz'"]),
        (
            "ts",
            [
                "'2024-01-15 10:30:00'", "'2024-01-15 10:30:00.5'", "'1999-12-31 23:59:59.999999'",
                "'0044-03-15 12:00:00 BC'", "'0001-01-01 00:00:00'", "'0001-12-31 23:00:00 BC'",
                "'10000-01-01 00:00:00'", "'infinity'", "'-infinity'", "'1970-01-01 00:00:00'",
            ]
        ),
        (
            "tz",
            [
                "'2024-01-15 10:30:00+00'", "'2024-01-15 16:00:00+05:30'", "'2024-01-15 10:29:59.999999+00'",
                "'1850-06-01 12:00:00+00'", "'0044-03-15 12:00:00+00 BC'", "'infinity'", "'-infinity'",
            ]
        ),
        (
            "d",
            [
                "'2024-02-29'", "'2000-01-01'", "'1999-12-31'", "'0001-01-01 BC'", "'0001-01-01'", "'4713-11-24 BC'",
                "'5874897-12-31'", "'infinity'", "'-infinity'",
            ]
        ),
        ("tm", ["'00:00:00'", "'23:59:59.999999'", "'24:00:00'", "'12:30:00.5'", "'12:30:00'"]),
        ("bo", ["true", "false"]),
        (
            "u",
            [
                "'00000000-0000-0000-0000-000000000000'", "'ffffffff-0000-0000-0000-000000000000'",
                "'7fffffff-ffff-ffff-ffff-ffffffffffff'", "'80000000-0000-0000-0000-000000000001'",
            ]
        ),
        ("by", ["'\\x'", "'\\x00'", "'\\x0001'", "'\\xff'", "'\\x7f80'", "'\\x00ff'"]),
        ("o", ["0", "1", "4294967295", "2147483648"]),
        // Multiples of 2^44, 2^-20 and (real) 2^20: exact sums around the thresholds where the
        // text form switches to exponent notation (1e15 and 1e-4; 1e6 for real).
        ("h", ["17592186044416", "-52776558133248", "1759218604441600", "17592186044416000", "1002754604531712"]),
        ("e", ["0.00000095367431640625", "-0.00000286102294921875", "0.00095367431640625", "0.0000476837158203125"]),
        ("q", ["1048576", "-3145728", "7340032", "1024"]),
    ]

    static let rowCount = 240

    /// One row's SQL literals, `id` first.
    static func rows() -> [[String]] {
        var random = SeededGenerator(seed: 0x5EED_F00D)
        return (1...rowCount).map { id in
            [String(id)]
                + pools.map { pool in
                    random.next() % 6 == 0 ? "NULL" : pool.literals.randomElement(using: &random)!
                }
        }
    }

    /// Each row's shard: shards 0 and 1 about evenly, shard 2 about one row in twenty.
    static func shard(ofRow index: Int) -> Int {
        var random = SeededGenerator(seed: UInt64(index) &* 7919 &+ 17)
        let roll = random.next() % 20
        return roll == 0 ? 2 : Int(roll % 2)
    }

    /// Creates the schema, fills `t_all` with every row and `t_k` with shard k's rows.
    static func install(_ session: WireSession) throws {
        try session.run("DROP SCHEMA IF EXISTS \(schema) CASCADE")
        try session.run("CREATE SCHEMA \(schema)")
        let names = (["id"] + pools.map(\.column)).joined(separator: ", ")
        let tables = ["t_all"] + (0..<shardCount).map { "t_\($0)" }
        for table in tables {
            try session.run("CREATE TABLE \(schema).\(table) (\(columns))")
        }
        let rows = Self.rows()
        var byShard: [[String]] = Array(repeating: [], count: shardCount)
        var all: [String] = []
        for (index, row) in rows.enumerated() {
            let tuple = "(" + row.joined(separator: ", ") + ")"
            all.append(tuple)
            byShard[Self.shard(ofRow: index)].append(tuple)
        }
        try session.run("INSERT INTO \(schema).t_all (\(names)) VALUES \(all.joined(separator: ", "))")
        for (shard, tuples) in byShard.enumerated() where !tuples.isEmpty {
            try session.run("INSERT INTO \(schema).t_\(shard) (\(names)) VALUES \(tuples.joined(separator: ", "))")
        }
    }
}
