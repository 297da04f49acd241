// CheckResultParsingTests: the health query's rows as PostgreSQL 15 answered them, and malformed rows.
import SwitchyardHealth
import Testing

@Suite struct CheckResultParsingTests {
    /// Rows of `CheckResult.query` (psql -At, NULL as nil) from PostgreSQL 15: a primary, a
    /// streaming standby, the standby after `pg_promote()` and the old primary beside it.
    static let captured: [(row: [String?], result: CheckResult)] = [
        (["f", "0/1500790", "1"], .notInRecovery(walPosition: 0x150_0790, timeline: 1)),
        (["t", "0/3025A70", nil], .inRecovery(replayPosition: 0x302_5A70)),
        (["f", "0/3025AA0", "2"], .notInRecovery(walPosition: 0x302_5AA0, timeline: 2)),
        (["f", "0/3025A70", "1"], .notInRecovery(walPosition: 0x302_5A70, timeline: 1)),
    ]

    @Test(arguments: Self.captured)
    func readsRowsPostgreSQLSent(row: [String?], result: CheckResult) throws {
        #expect(try CheckResult(texts: row) == result)
        #expect(try CheckResult(columns: row.map { $0.map { Array($0.utf8) } }) == result)
    }

    @Test func standbyThatReplayedNothingHasNoPosition() throws {
        let result = try CheckResult(texts: ["t", nil, nil])
        #expect(result == .inRecovery(replayPosition: nil))
        #expect(result.isInRecovery)
        #expect(result.walPosition == nil)
        #expect(result.timeline == nil)
    }

    /// `pg_is_in_recovery()` runs three times in the query; a promotion between the first and the
    /// last gives `t` with the new position and timeline. It is still read as in recovery.
    @Test func promotionDuringTheQueryReadsAsInRecovery() throws {
        #expect(try CheckResult(texts: ["t", "0/3025AA0", "2"]) == .inRecovery(replayPosition: 0x302_5AA0))
    }

    @Test func accessorsFollowTheCase() {
        let primary = CheckResult.notInRecovery(walPosition: 7, timeline: 3)
        #expect(!primary.isInRecovery)
        #expect(primary.walPosition == 7)
        #expect(primary.timeline == 3)
    }

    @Test(arguments: [
        ([], CheckRowError.columnCount(0)),
        (["f", "0/1"], .columnCount(2)),
        (["f", "0/1", "1", "1"], .columnCount(4)),
        ([nil, "0/1", "1"], .recoveryFlag),
        (["true", "0/1", "1"], .recoveryFlag),
        (["T", "0/1", "1"], .recoveryFlag),
        (["1", "0/1", "1"], .recoveryFlag),
        (["tt", "0/1", nil], .recoveryFlag),
        (["", "0/1", "1"], .recoveryFlag),
        (["f", "0/", "1"], .walPosition),
        (["t", "1", nil], .walPosition),
        (["f", "000000001/0", "1"], .walPosition),
        (["f", "0/1", "0"], .timeline),
        (["f", "0/1", "-1"], .timeline),
        (["f", "0/1", "+1"], .timeline),
        (["f", "0/1", ""], .timeline),
        (["f", "0/1", "1.0"], .timeline),
        (["f", "0/1", " 1"], .timeline),
        (["f", "0/1", "2147483648"], .timeline),
        (["f", "0/1", "99999999999"], .timeline),
        (["t", "0/1", "x"], .timeline),
        (["f", nil, "1"], .missingWalPosition),
        (["f", "0/1", nil], .missingTimeline),
    ] as [([String?], CheckRowError)])
    func rejectsMalformedRows(row: [String?], error: CheckRowError) {
        #expect(throws: error) { try CheckResult(texts: row) }
    }

    /// The query the rows above answered, as the prober must send it.
    @Test func queryIsTheOneTheCapturedRowsAnswered() {
        let query = "SELECT pg_catalog.pg_is_in_recovery(), CASE WHEN pg_catalog.pg_is_in_recovery() THEN "
            + "pg_catalog.pg_last_wal_replay_lsn() ELSE pg_catalog.pg_current_wal_lsn() END, CASE WHEN "
            + "pg_catalog.pg_is_in_recovery() THEN NULL ELSE ('x' || substr(pg_catalog.pg_walfile_name("
            + "pg_catalog.pg_current_wal_lsn()), 1, 8))::bit(32)::int END"
        #expect(CheckResult.query == query)
    }

    @Test func largestInt4IsATimeline() throws {
        #expect(try CheckResult(texts: ["f", "0/1", "2147483647"]).timeline == 2_147_483_647)
    }
}
