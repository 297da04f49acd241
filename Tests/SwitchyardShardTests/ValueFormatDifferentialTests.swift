// ValueFormatDifferentialTests: float text, numeric binary and numeric division checked against PostgreSQL itself.

@testable import SwitchyardShard
import SwitchyardTesting
import Testing

/// The merge prints the floats and numerics it computes (sums, averages); PostgreSQL's own
/// output functions are the oracle: values go to the server in binary (exact bits), and its
/// text or binary answer must equal ours byte for byte.
@Suite(.serialized) struct ValueFormatDifferentialTests {
    static func session() throws -> WireSession {
        try WireSession(port: try TestCluster.shared.primary().port)
    }

    /// PostgreSQL's text for each binary float (`typeOID` 701 float8 or 700 float4).
    static func printed(_ values: [[UInt8]], typeOID: Int32) throws -> [String] {
        try Self.session().pipeline(
            "SELECT $1::text", parameterTypes: [typeOID], executions: values.map { [.binary($0)] }, resultFormat: 0
        ).map { String(decoding: $0 ?? [], as: UTF8.self) }
    }

    static func doubles() -> [Double] {
        var random = SeededGenerator(seed: 0xF10A7)
        var values: [Double] = [
            1, 0.1, 1.0 / 3, 1e15, 1e14, 9.999999999999999e14, 1e16, 123456789012345680, 1e-4, 1e-5, 0.00012,
            .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude, 9007199254740994, 9007199254740992,
            4503599627370496.5, 2.5, 1e22, 1e23, Double(bitPattern: 0x0000_5C16_4A3E_0E9B), 1.7592186044416e13, 3.3 * 3, 0.3, 2.0 / 3,
        ]
        for exponent in stride(from: -1070, through: 1020, by: 7) { values.append(Double(sign: .plus, exponent: exponent, significand: 1)) }
        for _ in 0..<1500 {
            let bits = random.next()
            let value = Double(bitPattern: bits)
            if value.isFinite { values.append(value) }
        }
        for _ in 0..<500 { values.append(Double(Int64.random(in: -1_000_000_000...1_000_000_000, using: &random)) / 1024) }
        for _ in 0..<300 { values.append(Double.random(in: -1e20...1e20, using: &random)) }
        return values
    }

    static func floats() -> [Float] {
        var random = SeededGenerator(seed: 0xF10A4)
        var values: [Float] = [45_099_008, 1, 0.1, 1e6, 999_999, 1e-4, 1e-5, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 16_777_218, 3.4e38, 0.3]
        for exponent in stride(from: -148, through: 127, by: 3) { values.append(Float(sign: .plus, exponent: exponent, significand: 1)) }
        for _ in 0..<1500 {
            let value = Float(bitPattern: UInt32(truncatingIfNeeded: random.next()))
            if value.isFinite { values.append(value) }
        }
        for _ in 0..<300 { values.append(Float(Int32.random(in: -100_000_000...100_000_000, using: &random)) / 8) }
        return values
    }

    @Test func doublesPrintAsPostgreSQLPrintsThem() throws {
        let values = Self.doubles()
        let printed = try Self.printed(values.map { Self.bigEndian($0.bitPattern, count: 8) }, typeOID: 701)
        for (value, text) in zip(values, printed) {
            #expect(String(decoding: FloatText.format(value), as: UTF8.self) == text, "bits \(value.bitPattern)")
            #expect(FloatText.parse(Array(text.utf8)) == value)
        }
    }

    @Test func floatsPrintAsPostgreSQLPrintsThem() throws {
        let values = Self.floats()
        let printed = try Self.printed(values.map { Self.bigEndian(UInt64($0.bitPattern), count: 4) }, typeOID: 700)
        for (value, text) in zip(values, printed) {
            #expect(String(decoding: FloatText.format(value), as: UTF8.self) == text, "bits \(value.bitPattern)")
        }
    }

    static func numericTexts() -> [String] {
        var random = SeededGenerator(seed: 0xDEC1)
        var texts = [
            "0", "0.00", "1", "-1", "10000", "9999", "99999999", "100000000", "0.0001", "0.00001", "-0.5",
            "123456789012345678901234567890.123", "1.5000", "NaN", "Infinity", "-Infinity", "0.000000000000000000001",
        ]
        for _ in 0..<400 {
            let integer = String(random.next() % 1_000_000_000_000).dropFirst(Int(random.next() % 12))
            let fraction = String(random.next() % 1_000_000_000).prefix(Int(random.next() % 10))
            let sign = random.next() % 3 == 0 ? "-" : ""
            texts.append(sign + (integer.isEmpty ? "0" : String(integer)) + (fraction.isEmpty ? "" : "." + fraction))
        }
        return texts
    }

    /// numeric_send's bytes equal ours for the value numeric_in read, and ours read back to numeric_out's text.
    @Test func numericBinaryFormIsPostgreSQLs() throws {
        let session = try Self.session()
        let texts = Self.numericTexts()
        let executions = texts.map { [WireSession.Parameter.text($0)] }
        let binaries = try session.pipeline("SELECT $1::numeric", parameterTypes: [], executions: executions, resultFormat: 1)
        let outputs = try session.pipeline("SELECT $1::numeric", parameterTypes: [], executions: executions, resultFormat: 0)
        for ((text, binary), output) in zip(zip(texts, binaries), outputs) {
            let binary = try #require(binary)
            let output = try #require(output)
            let parsed = try #require(PostgresNumeric(text: output), "\(text)")
            #expect(parsed.binary == binary, "\(text)")
            let decoded = try #require(PostgresNumeric(binary: binary), "\(text)")
            #expect(decoded.text == output, "\(text)")
        }
    }

    /// `numeric / bigint` is numeric_div with select_div_scale, the division avg ends with.
    @Test func averageDivisionMatchesNumericDivision() throws {
        let session = try Self.session()
        var random = SeededGenerator(seed: 0xA76)
        let texts = Self.numericTexts().filter { !$0.contains("N") && !$0.contains("I") }
        var pairs: [(String, Int64)] = []
        for text in texts {
            let count = [1, 2, 3, 7, 9999, 10000, 10001, 123_456_789, 99_999_999_999][Int(random.next() % 9)]
            pairs.append((text, Int64(count)))
        }
        let quotients = try session.pipeline(
            "SELECT $1::numeric / $2::int8", parameterTypes: [],
            executions: pairs.map { [.text($0.0), .text(String($0.1))] }, resultFormat: 0)
        for ((text, count), quotient) in zip(pairs, quotients) {
            let dividend = try #require(PostgresNumeric(text: Array(text.utf8)))
            #expect(dividend.dividedForAverage(by: count).text == quotient, "\(text) / \(count)")
        }
    }

    private static func bigEndian(_ value: UInt64, count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: value >> UInt64(8 * (count - 1 - $0))) }
    }
}
