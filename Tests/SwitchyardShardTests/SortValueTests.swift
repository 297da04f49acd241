// SortValueTests: values read from text and binary forms order as PostgreSQL orders them.

@testable import SwitchyardShard
import Testing

@Suite struct SortValueTests {
    static func value(_ text: String, _ type: ColumnType) -> SortValue? {
        SortValue(ArraySlice(Array(text.utf8)), type: type, isBinary: false)
    }

    static func order(_ a: String, _ b: String, _ type: ColumnType) -> Int? {
        guard let x = Self.value(a, type), let y = Self.value(b, type) else { return nil }
        return SortValue.compare(x, y)
    }

    /// Days from 2000-01-01, from PostgreSQL 15: `SELECT d - DATE '2000-01-01'`.
    @Test(arguments: [
        ("2000-01-01", 0), ("1999-12-31", -1), ("2000-03-01", 60), ("2024-02-29", 8825), ("0001-01-01", -730_119),
        ("0001-12-31 BC", -730_120), ("0001-01-01 BC", -730_485), ("4713-11-24 BC", -2_451_179),
        ("5874897-12-31", 2_145_031_948), ("1970-01-01", -10957),
    ] as [(String, Int64)])
    func datesAreDaysSince2000(_ text: String, _ days: Int64) {
        #expect(DateTimeText.date(Array(text.utf8)) == days)
    }

    /// Microseconds from 2000-01-01 00:00 UTC, from PostgreSQL 15 (TimeZone UTC):
    /// `(extract(epoch from t) - extract(epoch from timestamptz '2000-01-01 00:00:00+00')) * 1000000`.
    @Test(arguments: [
        ("2024-01-15 16:00:00+05:30", 758_629_800_000_000), ("0044-03-15 12:00:00+00 BC", -64_464_465_600_000_000),
        ("1850-01-01 12:00:00-03:30:52", -4_733_454_548_000_000),
    ] as [(String, Int64)])
    func zonedTimestampsAreInstants(_ text: String, _ micros: Int64) {
        #expect(DateTimeText.timestamp(Array(text.utf8), zoned: true) == micros)
    }

    @Test func otherDateStylesAreNotRead() {
        #expect(Self.value("01/15/2024", .date) == nil)
        #expect(Self.value("Mon Jan 15 10:30:00 2024", .timestamp) == nil)
        #expect(Self.value("2024-01-15 10:30:00+01", .timestamp) == nil)
    }

    /// Orders PostgreSQL documents: numeric NaN above Infinity above every number ("8.1.2.
    /// Arbitrary Precision Numbers"), float NaN equal to NaN and above every other value, -0
    /// equal to 0 ("8.1.3. Floating-Point Types"), infinities outside every date and timestamp,
    /// bpchar ignoring trailing spaces, text and bytea by bytes (C collation).
    @Test(arguments: [
        ("NaN", "Infinity", ColumnType.numeric, 1), ("Infinity", "1e", .numeric, nil),
        ("Infinity", "123456789012345678901234567890", .numeric, 1), ("-Infinity", "-99999", .numeric, -1),
        ("1.5", "1.50", .numeric, 0), ("-0.5", "0.000", .numeric, -1), ("0.05", "0.5", .numeric, -1),
        ("-12.5", "-12.25", .numeric, -1), ("10", "9.999", .numeric, 1),
        ("NaN", "NaN", .float8, 0), ("NaN", "Infinity", .float8, 1), ("-0", "0", .float8, 0), ("1e-05", "0.0001", .float8, -1),
        ("-Infinity", "-1.7976931348623157e+308", .float4, -1),
        ("infinity", "294276-12-31 23:59:59.999999", .timestamp, 1), ("-infinity", "4713-11-24 00:00:00 BC", .timestamp, -1),
        ("0001-12-31 23:00:00 BC", "0001-01-01 00:00:00", .timestamp, -1), ("24:00:00", "23:59:59.999999", .time, 1),
        ("a  ", "a", .bpchar, 0), ("a\t ", "a  ", .bpchar, 1), ("Z", "a", .text, -1), ("é", "z", .text, 1),
        ("ab", "a", .text, 1), ("\\x00ff", "\\x0100", .bytea, -1), ("\\x", "\\x00", .bytea, -1),
        ("t", "f", .bool, 1), ("4294967295", "1", .oid, 1), ("-9223372036854775808", "9223372036854775807", .int8, -1),
    ] as [(String, String, ColumnType, Int?)])
    func valuesCompareInPostgreSQLsOrder(_ a: String, _ b: String, _ type: ColumnType, _ expected: Int?) {
        #expect(Self.order(a, b, type) == expected)
        if let expected { #expect(Self.order(b, a, type) == -expected) }
    }

    @Test func binaryFormsCompareLikeTheirText() {
        func binary(_ bytes: [UInt8], _ type: ColumnType) -> SortValue? {
            SortValue(ArraySlice(bytes), type: type, isBinary: true)
        }
        let minusOne = binary([0xFF, 0xFF, 0xFF, 0xFF], .int4)
        let one = binary([0, 0, 0, 1], .int4)
        #expect(SortValue.compare(minusOne!, one!) == -1)
        // float8 NaN (0x7FF8...) above +Infinity (0x7FF0...).
        let nan = binary([0x7F, 0xF8, 0, 0, 0, 0, 0, 0], .float8)
        let infinity = binary([0x7F, 0xF0, 0, 0, 0, 0, 0, 0], .float8)
        #expect(SortValue.compare(nan!, infinity!) == 1)
        // oid 0xFFFFFFFF is 4294967295, above 1.
        #expect(SortValue.compare(binary([0xFF, 0xFF, 0xFF, 0xFF], .oid)!, binary([0, 0, 0, 1], .oid)!) == 1)
        #expect(binary([0, 0, 1], .int4) == nil)
    }

    /// numeric_add keeps the larger display scale, from PostgreSQL 15:
    /// `SELECT 1.50 + -0.5, 99999999 + 1, -1.5 + 1.5, 0.001 + 0.0001` is `1.00|100000000|0.0|0.0011`.
    @Test(arguments: [("1.50", "-0.5", "1.00"), ("99999999", "1", "100000000"), ("-1.5", "1.5", "0.0"), ("0.001", "0.0001", "0.0011"),
        ("NaN", "1", "NaN"), ("Infinity", "-Infinity", "NaN"), ("-Infinity", "5", "-Infinity")])
    func numericsAddLikePostgreSQL(_ a: String, _ b: String, _ sum: String) throws {
        let x = try #require(PostgresNumeric(text: Array(a.utf8)))
        let y = try #require(PostgresNumeric(text: Array(b.utf8)))
        #expect(String(decoding: (x + y).text, as: UTF8.self) == sum)
    }
}
