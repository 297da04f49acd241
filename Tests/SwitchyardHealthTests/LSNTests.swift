// LSNTests: pg_lsn text parsing and formatting against PostgreSQL's own answers, and lag.
import SwitchyardHealth
import Testing

@Suite struct LSNTests {
    /// `SELECT 'TEXT'::pg_lsn::text, ('TEXT'::pg_lsn - '0/0')::text` on PostgreSQL 15.
    static let accepted: [(text: String, position: UInt64, postgresText: String)] = [
        ("0/0", 0, "0/0"),
        ("FFFFFFFF/FFFFFFFF", 18_446_744_073_709_551_615, "FFFFFFFF/FFFFFFFF"),
        ("ffffffff/ffffffff", 18_446_744_073_709_551_615, "FFFFFFFF/FFFFFFFF"),
        ("16/B374D848", 97_500_059_720, "16/B374D848"),
        ("1/0", 4_294_967_296, "1/0"),
        ("0/1", 1, "0/1"),
        ("00000001/00000000", 4_294_967_296, "1/0"),
        ("aBcD/EfAb", 188_896_956_706_731, "ABCD/EFAB"),
        ("0/FFFFFFFF", 4_294_967_295, "0/FFFFFFFF"),
    ]

    /// Each answered `invalid input syntax for type pg_lsn` by PostgreSQL 15.
    static let rejected = [
        "000000001/0", "0/000000001", "1/", "/1", "", "1", "1/2/3", " 0/0", "0/0 ", "G/0", "0x1/0",
        "+1/0", "-1/0", "1//2", "1:2", "\u{FF11}/0",
    ]

    @Test(arguments: Self.accepted)
    func parsesAsPostgreSQLDoes(text: String, position: UInt64, postgresText: String) {
        #expect(LSN.parse(text) == position)
        #expect(LSN.parse(utf8: Array(text.utf8)) == position)
    }

    @Test(arguments: Self.accepted)
    func formatsAsPostgreSQLPrints(text: String, position: UInt64, postgresText: String) {
        #expect(LSN.format(position) == postgresText)
    }

    @Test(arguments: Self.rejected)
    func rejectsWhatPostgreSQLRejects(text: String) {
        #expect(LSN.parse(text) == nil)
    }

    /// Minuend, subtrahend and `pg_lsn` subtraction as PostgreSQL 15 computes it; a negative
    /// difference means the replica read a later position than the primary: lag 0.
    @Test(arguments: [
        ("1/0", "0/FFFFFFFF", 1 as UInt64),
        ("A/0", "9/FFFFFFFF", 1),
        ("0/10", "0/20", 0),  // PostgreSQL: -16
        ("0/3025A70", "0/3025A70", 0),
        ("FFFFFFFF/FFFFFFFF", "0/0", 18_446_744_073_709_551_615),
    ])
    func lagIsPrimaryMinusReplicaNeverNegative(primary: String, replica: String, lag: UInt64) throws {
        let primaryPosition = try #require(LSN.parse(primary))
        let replicaPosition = try #require(LSN.parse(replica))
        #expect(LSN.lag(primary: primaryPosition, replica: replicaPosition) == lag)
    }
}
