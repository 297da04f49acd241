// PinningTests: statements that leave state only their server connection holds.

import SwitchyardSQL
import Testing

/// SPEC §3 "Session state under transaction pooling": LISTEN, temporary tables, session advisory
/// locks, `DECLARE ... WITH HOLD` and SQL-level PREPARE pin the client to its connection.
@Suite struct PinningTests {
    static let cases: [(String, SessionPinning)] = [
        ("CREATE TEMP TABLE x (id int)", .temporaryTable),
        ("CREATE TEMPORARY TABLE x AS SELECT 1", .temporaryTable),
        ("CREATE LOCAL TEMP TABLE x (id int)", .temporaryTable),
        ("CREATE GLOBAL TEMPORARY TABLE x (id int)", .temporaryTable),
        ("CREATE TABLE pg_temp.x (id int)", .temporaryTable),
        ("CREATE TEMP VIEW v AS SELECT 1", .temporaryTable),
        ("CREATE TEMP SEQUENCE s", .temporaryTable),
        ("SELECT * INTO TEMP t FROM a", .temporaryTable),
        ("SELECT * INTO TEMPORARY TABLE t FROM a", .temporaryTable),
        ("CREATE TABLE x (id int)", []),
        ("CREATE UNLOGGED TABLE x (id int)", []),
        ("SELECT pg_advisory_lock(1)", .advisoryLock),
        ("SELECT pg_advisory_lock_shared(1, 2)", .advisoryLock),
        ("SELECT pg_try_advisory_lock(1)", .advisoryLock),
        ("SELECT pg_try_advisory_lock_shared(1)", .advisoryLock),
        ("SELECT * FROM jobs WHERE pg_try_advisory_lock(id) LIMIT 1", .advisoryLock),
        ("SELECT pg_advisory_xact_lock(1)", []),
        ("SELECT pg_try_advisory_xact_lock(1)", []),
        ("SELECT pg_advisory_unlock(1)", []),
        ("EXPLAIN SELECT pg_advisory_lock(1)", []),
        ("EXPLAIN ANALYZE SELECT pg_advisory_lock(1)", .advisoryLock),
        ("DECLARE c CURSOR WITH HOLD FOR SELECT 1", .holdCursor),
        ("DECLARE c NO SCROLL CURSOR WITH HOLD FOR SELECT * FROM t", .holdCursor),
        ("DECLARE c CURSOR WITHOUT HOLD FOR SELECT 1", []),
        ("LISTEN jobs", .listen),
        ("UNLISTEN jobs", []),
        ("PREPARE q AS SELECT 1", .preparedStatement),
        ("PREPARE q AS SELECT pg_advisory_lock(1)", [.preparedStatement, .advisoryLock]),
        ("PREPARE TRANSACTION 'x'", []),
        ("DISCARD ALL", []),
        ("SELECT 1", []),
    ]

    @Test(arguments: cases)
    func pinning(_ sql: String, _ expected: SessionPinning) {
        #expect(statement(sql).pinning == expected)
    }
}
