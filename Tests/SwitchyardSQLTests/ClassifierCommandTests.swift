// ClassifierCommandTests: transaction control, session state and `switchyard.*` commands.

import SwitchyardSQL
import Testing

/// Statement forms from the PostgreSQL 15 reference pages (BEGIN, START TRANSACTION, COMMIT,
/// ROLLBACK, SAVEPOINT, SET, RESET, DISCARD, PREPARE, DECLARE...) and SPEC §3 for
/// `switchyard.*`.
@Suite struct ClassifierCommandTests {
    static let transactionCommands: [(String, TransactionCommand)] = [
        ("BEGIN", .begin(readOnly: nil)),
        ("begin work", .begin(readOnly: nil)),
        ("BEGIN TRANSACTION", .begin(readOnly: nil)),
        ("START TRANSACTION", .begin(readOnly: nil)),
        ("BEGIN READ ONLY", .begin(readOnly: true)),
        ("START TRANSACTION READ ONLY", .begin(readOnly: true)),
        ("BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE", .begin(readOnly: true)),
        ("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", .begin(readOnly: true)),
        ("BEGIN ISOLATION LEVEL READ COMMITTED", .begin(readOnly: nil)),
        ("BEGIN ISOLATION LEVEL READ UNCOMMITTED", .begin(readOnly: nil)),
        ("BEGIN READ WRITE", .begin(readOnly: false)),
        ("BEGIN READ ONLY, READ WRITE", .begin(readOnly: false)),
        ("START TRANSACTION ISOLATION LEVEL SERIALIZABLE READ ONLY", .begin(readOnly: true)),
        ("COMMIT", .commit(chain: false)),
        ("COMMIT WORK", .commit(chain: false)),
        ("COMMIT AND CHAIN", .commit(chain: true)),
        ("COMMIT AND NO CHAIN", .commit(chain: false)),
        ("END", .commit(chain: false)),
        ("END TRANSACTION", .commit(chain: false)),
        ("ROLLBACK", .rollback(chain: false)),
        ("ROLLBACK AND CHAIN", .rollback(chain: true)),
        ("ABORT", .rollback(chain: false)),
        ("ABORT WORK", .rollback(chain: false)),
        ("SAVEPOINT sp1", .savepoint("sp1")),
        ("SAVEPOINT \"Sp 1\"", .savepoint("Sp 1")),
        ("RELEASE sp1", .releaseSavepoint("sp1")),
        ("RELEASE SAVEPOINT SP1", .releaseSavepoint("sp1")),
        ("ROLLBACK TO sp1", .rollbackToSavepoint("sp1")),
        ("ROLLBACK TO SAVEPOINT sp1", .rollbackToSavepoint("sp1")),
        ("ROLLBACK WORK TO SAVEPOINT sp1", .rollbackToSavepoint("sp1")),
        ("PREPARE TRANSACTION 'gid-1'", .prepareTransaction("gid-1")),
        ("COMMIT PREPARED 'gid-1'", .commitPrepared("gid-1")),
        ("ROLLBACK PREPARED 'gid-1'", .rollbackPrepared("gid-1")),
        ("SET TRANSACTION READ ONLY", .setTransaction(readOnly: true)),
        ("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", .setTransaction(readOnly: nil)),
        ("SET TRANSACTION READ WRITE", .setTransaction(readOnly: false)),
        ("SET TRANSACTION SNAPSHOT '00000003-0000001B-1'", .setTransaction(readOnly: nil)),
    ]

    @Test(arguments: transactionCommands)
    func transactionControl(_ sql: String, _ command: TransactionCommand) {
        #expect(statement(sql).kind == .transaction(command))
    }

    static let sessionCommands: [(String, SessionCommand)] = [
        ("SET search_path TO a, b", .set(name: "search_path", isLocal: false)),
        ("SET search_path = DEFAULT", .set(name: "search_path", isLocal: false)),
        ("SET SESSION work_mem = '4MB'", .set(name: "work_mem", isLocal: false)),
        ("SET LOCAL statement_timeout = 0", .set(name: "statement_timeout", isLocal: true)),
        ("SET TIME ZONE 'UTC'", .set(name: "timezone", isLocal: false)),
        ("SET LOCAL TIME ZONE LOCAL", .set(name: "timezone", isLocal: true)),
        ("SET NAMES 'UTF8'", .set(name: "client_encoding", isLocal: false)),
        ("SET ROLE admin", .set(name: "role", isLocal: false)),
        ("SET SESSION AUTHORIZATION bob", .set(name: "session_authorization", isLocal: false)),
        ("SET SCHEMA 'app'", .set(name: "search_path", isLocal: false)),
        ("SET \"TimeZone\" = 'UTC'", .set(name: "timezone", isLocal: false)),
        ("SET application_name = 'x'", .set(name: "application_name", isLocal: false)),
        ("SET myapp.user_id = 42", .set(name: "myapp.user_id", isLocal: false)),
        ("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", .set(name: "session_characteristics", isLocal: false)),
        ("SET CONSTRAINTS ALL DEFERRED", .set(name: "constraints", isLocal: true)),
        ("RESET ALL", .reset(name: nil)),
        ("RESET search_path", .reset(name: "search_path")),
        ("RESET TIME ZONE", .reset(name: "timezone")),
        ("RESET ROLE", .reset(name: "role")),
        ("RESET SESSION AUTHORIZATION", .reset(name: "session_authorization")),
        ("DISCARD ALL", .discard(.all)),
        ("DISCARD PLANS", .discard(.plans)),
        ("DISCARD SEQUENCES", .discard(.sequences)),
        ("DISCARD TEMP", .discard(.temporary)),
        ("DISCARD TEMPORARY", .discard(.temporary)),
        ("LISTEN jobs", .listen(channel: "jobs")),
        ("LISTEN \"Jobs\"", .listen(channel: "Jobs")),
        ("UNLISTEN jobs", .unlisten(channel: "jobs")),
        ("UNLISTEN *", .unlisten(channel: nil)),
        ("PREPARE q AS SELECT 1", .prepare(name: "q")),
        ("PREPARE q (int, text) AS SELECT * FROM t WHERE id = $1", .prepare(name: "q")),
        ("PREPARE transaction AS SELECT 1", .prepare(name: "transaction")),
        ("EXECUTE q", .execute(name: "q")),
        ("EXECUTE q (1, 'a')", .execute(name: "q")),
        ("DEALLOCATE q", .deallocate(name: "q")),
        ("DEALLOCATE PREPARE q", .deallocate(name: "q")),
        ("DEALLOCATE ALL", .deallocate(name: nil)),
        ("DEALLOCATE PREPARE ALL", .deallocate(name: nil)),
        ("DECLARE c CURSOR FOR SELECT 1", .declareCursor(name: "c", withHold: false)),
        ("DECLARE c CURSOR WITH HOLD FOR SELECT * FROM t", .declareCursor(name: "c", withHold: true)),
        (
            "DECLARE c BINARY INSENSITIVE NO SCROLL CURSOR WITHOUT HOLD FOR SELECT 1",
            .declareCursor(name: "c", withHold: false)
        ),
        ("CLOSE c", .closeCursor(name: "c")),
        ("CLOSE ALL", .closeCursor(name: nil)),
        ("FETCH 10 FROM c", .fetch),
        ("FETCH ALL c", .fetch),
        ("MOVE NEXT IN c", .fetch),
    ]

    @Test(arguments: sessionCommands)
    func sessionState(_ sql: String, _ command: SessionCommand) {
        #expect(statement(sql).kind == .session(command))
    }

    static let proxyCommands: [(String, ProxyCommand)] = [
        ("SET switchyard.target = 'primary'", .setTarget(.primary)),
        ("SET switchyard.target TO replica", .setTarget(.replica)),
        ("SET switchyard.target = auto", .setTarget(.auto)),
        ("SET switchyard.target = 'AUTO'", .setTarget(.auto)),
        ("set SWITCHYARD.TARGET to 'primary';", .setTarget(.primary)),
        ("SET SESSION switchyard.target = primary", .setTarget(.primary)),
        ("SET switchyard.target = DEFAULT", .reset(.target)),
        ("SET switchyard.target = 'both'", .invalidValue(.target, "both")),
        ("SET switchyard.target = primary replica", .invalidValue(.target, "primary replica")),
        ("SET switchyard.cluster = 'users'", .setCluster("users")),
        ("SET switchyard.cluster TO users", .setCluster("users")),
        ("SET switchyard.cluster = 'Users'", .setCluster("Users")),
        ("SET switchyard.cluster = ''", .invalidValue(.cluster, "")),
        ("SET switchyard.shard = 3", .setShard(3)),
        ("SET switchyard.shard = '0'", .setShard(0)),
        ("SET switchyard.shard = -1", .invalidValue(.shard, "-1")),
        ("SET switchyard.shard = 'x'", .invalidValue(.shard, "x")),
        ("SET switchyard.shard = 1.5", .invalidValue(.shard, "1.5")),
        ("SET switchyard.bogus = 1", .unknownSetting("bogus")),
        ("RESET switchyard.target", .reset(.target)),
        ("RESET switchyard.cluster", .reset(.cluster)),
        ("RESET switchyard.shard", .reset(.shard)),
        ("RESET switchyard.*", .reset(nil)),
        ("RESET switchyard.nope", .unknownSetting("nope")),
        ("SHOW switchyard.target", .show(.target)),
        ("SHOW switchyard.shard", .show(.shard)),
        ("SHOW switchyard.*", .show(nil)),
        ("SHOW switchyard.x", .unknownSetting("x")),
    ]

    @Test(arguments: proxyCommands)
    func switchyardSettings(_ sql: String, _ command: ProxyCommand) {
        #expect(statement(sql).kind == .proxy(command))
    }

    @Test func prepareAndDeclareRecordTheTablesOfTheirQuery() {
        #expect(statement("PREPARE q AS SELECT * FROM orders JOIN items USING (id)").tableNames == ["orders", "items"])
        #expect(statement("DECLARE c CURSOR FOR SELECT * FROM auth_user").tableNames == ["auth_user"])
        #expect(statement("EXPLAIN SELECT * FROM a, b").tableNames == ["a", "b"])
    }

    @Test func emptyTextsHaveNoStatements() {
        for sql in ["", "   ", ";", ";;", "/* only a comment */", "-- x", "/* switchyard: primary */ ;"] {
            #expect(analyze(sql).statements.isEmpty, "\(sql)")
        }
    }
}
