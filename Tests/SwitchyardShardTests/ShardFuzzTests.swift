// ShardFuzzTests: arbitrary statements and bytes may be refused, never trap.

@testable import SwitchyardShard
import SwitchyardRouting
import Testing

@Suite struct ShardFuzzTests {
    static let fragments = [
        "SELECT", "INSERT", "INTO", "t", "(", ")", ",", "VALUES", "ORDER", "BY", "LIMIT", "OFFSET", "FETCH", "FIRST",
        "ROWS", "ONLY", "NULLS", "LAST", "DESC", "ASC", "USING", "<", ">", "count", "avg", "sum", "min", "max", "*",
        "FILTER", "WHERE", "OVER", "WITH", "AS", "$1", "$2", "'x'", "1", "-", "+", "2", "ALL", "NULL", ";", ".",
        "pg_catalog", "DISTINCT", "FROM", "GROUP", "EXISTS", "k", "ON", "CONFLICT", "RETURNING", "DEFAULT", "/*", "*/",
        "--", "\n", "$$", "\"", "E'", "::", "[", "]", "TABLE", "OVERRIDING", "ROW", "NEXT", "TIES",
    ]

    static let group = ShardGroup(
        tables: [NamePattern("t")!], key: "k", keyType: .bigint, function: .pgHash, clusters: ["a", "b", "c"])

    @Test func randomStatementsArePlannedOrRefused() {
        var random = SeededGenerator(seed: 99)
        for _ in 0..<20000 {
            let count = Int.random(in: 0...24, using: &random)
            let sql = (0..<count).map { _ in Self.fragments.randomElement(using: &random)! }.joined(separator: " ")
            if case .merge(let plan) = FanOutPlan(sql: sql) {
                _ = plan.shardSQL
                _ = plan.window()
            }
            _ = InsertSplitter.split(sql: sql, group: Self.group) { _ in
                ParameterValue(bytes: nil, format: .text)
            }
        }
    }

    static let types: [ColumnType] = [
        .int2, .int4, .int8, .oid, .numeric, .float4, .float8, .bool, .text, .bpchar, .bytea, .uuid, .date, .time,
        .timestamp, .timestamptz,
    ]

    @Test func arbitraryBytesDecodeOrFail() {
        var random = SeededGenerator(seed: 100)
        let alphabet = Array("0123456789-+.:eE NaInfity BCx\\".utf8) + [0, 0xFF, 0x80]
        for _ in 0..<20000 {
            let count = Int.random(in: 0...24, using: &random)
            let bytes = (0..<count).map { _ in
                Bool.random(using: &random)
                    ? alphabet.randomElement(using: &random)! : UInt8.random(in: 0...255, using: &random)
            }
            for type in Self.types {
                _ = SortValue(ArraySlice(bytes), type: type, isBinary: false)
                _ = SortValue(ArraySlice(bytes), type: type, isBinary: true)
            }
            if let numeric = PostgresNumeric(binary: bytes) { _ = numeric.dividedForAverage(by: 3).text }
            _ = try? ShardRow(frame: [0x44] + bytes)
        }
    }

    @Test func numericBinaryHeadersOfAnyShapeDecodeOrFail() {
        var random = SeededGenerator(seed: 101)
        for _ in 0..<3000 {
            let count = Int.random(in: 0...4, using: &random)
            let weight = Int16.random(in: Int16.min...Int16.max, using: &random) >> Int16.random(in: 0...15, using: &random)
            let sign = [0x0000, 0x4000, 0xC000, 0xD000, 0xF000, 0x1234].randomElement(using: &random)!
            let scale = UInt16.random(in: 0...0x3FFF, using: &random) >> UInt16.random(in: 0...14, using: &random)
            var words: [UInt16] = [UInt16(count), UInt16(bitPattern: weight), UInt16(sign), scale]
            for _ in 0..<count { words.append(UInt16.random(in: 0...10010, using: &random)) }
            let bytes = words.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
            if let numeric = PostgresNumeric(binary: bytes) {
                _ = numeric.text
                _ = numeric.binary
                _ = numeric.dividedForAverage(by: 7)
            }
        }
    }
}
