// RouterSessionCorpusTests: hints, session overrides, transactions, commands, multi-statement texts.

import SwitchyardRouting
import SwitchyardSQL
import Testing

/// SPEC §3: hints override everything (a `replica` hint applies to reads only);
/// `SET switchyard.*` sets them for the session; a read-write transaction keeps reads on its
/// primary; `read_write_split = false` sends reads to the primary; transaction control and
/// session statements are `other`.
@Suite struct RouterSessionCorpusTests {
    static let invalidParameterValue = RoutingError.Code.invalidParameterValue
    static let featureNotSupported = RoutingError.Code.featureNotSupported
    static let undefinedObject = RoutingError.Code.undefinedObject

    static func primaryRead(_ sql: String, cluster: String = "main", tables: [String] = [], reason: String) -> RouteCase
    {
        .decision(sql, .read, .primary, cluster: cluster, tables: tables, reason: reason)
    }

    static func other(
        _ sql: String, _ target: RouteDecision.Target, cluster: String? = "main", tables: [String] = [],
        reason: String
    ) -> RouteCase {
        .decision(sql, .other, target, cluster: cluster, tables: tables, reason: reason)
    }

    static let hints: [RouteCase] = [
        primaryRead(
            "/* switchyard: primary */ SELECT * FROM blog_entry", tables: ["blog_entry"], reason: "hint primary"),
        primaryRead(
            "SELECT * FROM blog_entry /* switchyard: primary */", tables: ["blog_entry"], reason: "hint primary"),
        primaryRead("SELECT * FROM blog_entry -- switchyard: primary", tables: ["blog_entry"], reason: "hint primary"),
        primaryRead("/* switchyard: PRIMARY */ SELECT 1", reason: "hint primary"),
        .read("/* switchyard: replica */ SELECT * FROM blog_entry", tables: ["blog_entry"], reason: "hint replica"),
        .write("/* switchyard: replica */ DELETE FROM blog_entry", tables: ["blog_entry"], reason: "DELETE"),
        .write("/* switchyard: replica */ SELECT nextval('s')", reason: "write function nextval"),
        .write(
            "/* switchyard: replica */ SELECT * FROM blog_entry FOR UPDATE", tables: ["blog_entry"],
            reason: "locking clause"),
        .write("/* switchyard: primary */ INSERT INTO blog_entry VALUES (1)", tables: ["blog_entry"], reason: "INSERT"),
        .read("/* switchyard: cluster=users */ SELECT * FROM blog_entry", cluster: "users", tables: ["blog_entry"]),
        .read("/* switchyard: cluster=spare */ SELECT 1", cluster: "spare"),
        .read(
            "/* switchyard: cluster=archive */ SELECT * FROM auth_user JOIN blog_entry ON true", cluster: "archive",
            tables: ["auth_user", "blog_entry"]),
        .write(
            "/* switchyard: cluster=users */ CREATE TABLE blog_x (id int)", cluster: "users", tables: ["blog_x"],
            reason: "CREATE TABLE"),
        primaryRead(
            "/* switchyard: cluster=users, primary */ SELECT * FROM blog_entry", cluster: "users",
            tables: ["blog_entry"], reason: "hint primary"),
        primaryRead(
            "/* switchyard: cluster=users */ /* switchyard: primary */ SELECT 1", cluster: "users",
            reason: "hint primary"),
        .read("/* switchyard: primary, replica */ SELECT 1", reason: "hint replica"),
        primaryRead("/* switchyard: primary */ SELECT 1; SELECT 2", reason: "hint primary"),
        primaryRead(
            "SELECT 1; /* switchyard: primary */ SELECT * FROM blog_entry", tables: ["blog_entry"],
            reason: "hint primary"),
        .read(
            "/* switchyard: cluster=users */ SELECT 1; SELECT * FROM blog_entry", cluster: "users",
            tables: ["blog_entry"]),
        .read("SELECT '/* switchyard: primary */' FROM blog_entry", tables: ["blog_entry"]),
        .read("/* switchyard primary */ SELECT 1"),
        .read("/* a comment: switchyard: primary */ SELECT 1"),
        .failure(
            "/* switchyard: cluster=nowhere */ SELECT 1", invalidParameterValue, #"cluster "nowhere" does not exist"#),
        .failure("/* switchyard: primray */ SELECT 1", invalidParameterValue, #"invalid switchyard hint "primray""#),
        .failure("/* switchyard: shard=x */ SELECT 1", invalidParameterValue, #"invalid switchyard hint "shard=x""#),
        .failure(
            "/* switchyard: primary, nope=1 */ SELECT 1", invalidParameterValue, #"invalid switchyard hint "nope=1""#),
        .failure("SELECT 1; /* switchyard: bad */ SELECT 2", invalidParameterValue, #"invalid switchyard hint "bad""#),
    ]

    static let overrides: [RouteCase] = [
        primaryRead("SELECT * FROM blog_entry", tables: ["blog_entry"], reason: "switchyard.target primary")
            .with(overrides: SessionOverrides(target: .primary)),
        .read("SELECT * FROM blog_entry", tables: ["blog_entry"], reason: "switchyard.target replica")
            .with(overrides: SessionOverrides(target: .replica)),
        .read("SELECT * FROM blog_entry", tables: ["blog_entry"]).with(overrides: SessionOverrides(target: .auto)),
        .write("UPDATE blog_entry SET a = 1", tables: ["blog_entry"], reason: "UPDATE")
            .with(overrides: SessionOverrides(target: .replica)),
        .read("/* switchyard: replica */ SELECT 1", reason: "hint replica").with(
            overrides: SessionOverrides(target: .primary)),
        primaryRead("/* switchyard: primary */ SELECT 1", reason: "hint primary").with(
            overrides: SessionOverrides(target: .replica)),
        .read("SELECT * FROM blog_entry", cluster: "archive", tables: ["blog_entry"])
            .with(overrides: SessionOverrides(cluster: "archive")),
        .read("/* switchyard: cluster=users */ SELECT 1", cluster: "users").with(
            overrides: SessionOverrides(cluster: "archive")),
        .write("DELETE FROM auth_user", cluster: "archive", tables: ["auth_user"], reason: "DELETE")
            .with(overrides: SessionOverrides(cluster: "archive")),
        .read("SELECT * FROM blog_entry", tables: ["blog_entry"]).with(overrides: SessionOverrides(shard: 1)),
    ]

    static let transactions: [RouteCase] = [
        primaryRead("SELECT * FROM blog_entry", tables: ["blog_entry"], reason: "read in a read-write transaction")
            .with(transaction: .readWrite),
        primaryRead("/* switchyard: replica */ SELECT 1", reason: "read in a read-write transaction").with(
            transaction: .readWrite),
        primaryRead("SELECT 1", reason: "read in a read-write transaction")
            .with(transaction: .readWrite).with(overrides: SessionOverrides(target: .replica)),
        .write("INSERT INTO blog_entry VALUES (1)", tables: ["blog_entry"], reason: "INSERT").with(
            transaction: .readWrite),
        .read("SELECT * FROM blog_entry", tables: ["blog_entry"]).with(transaction: .readOnly),
        .read("SELECT 1").with(transaction: .readOnly),
        primaryRead("/* switchyard: primary */ SELECT 1", reason: "hint primary").with(transaction: .readOnly),
        .write("UPDATE blog_entry SET a = 1", tables: ["blog_entry"], reason: "UPDATE").with(transaction: .readOnly),
        .decision(
            "SELECT * FROM auth_user", .read, .replica, cluster: "solo", tables: ["auth_user"], reason: "plain SELECT",
            database: "solo"
        ).with(transaction: .readOnly),
    ]

    static let noReplicaReads: [RouteCase] = [
        .decision("SELECT 1", .read, .primary, cluster: "solo", reason: "read_write_split off", database: "solo"),
        .decision(
            "SELECT * FROM t", .read, .primary, cluster: "solo", tables: ["t"], reason: "read_write_split off",
            database: "solo"),
        .decision(
            "/* switchyard: replica */ SELECT 1", .read, .replica, cluster: "solo", reason: "hint replica",
            database: "solo"),
        .decision(
            "DELETE FROM t", .write, .primary, cluster: "solo", tables: ["t"], reason: "DELETE", database: "solo"),
        .decision(
            "SELECT audit_x()", .read, .primary, cluster: "solo", reason: "read_write_split off", database: "solo"),
        .decision("BEGIN", .other, .transaction, cluster: "solo", reason: "BEGIN", database: "solo"),
    ]

    static let commands: [RouteCase] = [
        other("BEGIN", .transaction, reason: "BEGIN"),
        other("begin;", .transaction, reason: "BEGIN"),
        other("START TRANSACTION", .transaction, reason: "BEGIN"),
        other("BEGIN READ ONLY", .transaction, reason: "BEGIN READ ONLY"),
        other("START TRANSACTION READ ONLY", .transaction, reason: "BEGIN READ ONLY"),
        other("BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE", .transaction, reason: "BEGIN READ ONLY"),
        other("BEGIN ISOLATION LEVEL REPEATABLE READ", .transaction, reason: "BEGIN"),
        other("SET TRANSACTION READ ONLY", .transaction, reason: "SET TRANSACTION READ ONLY"),
        other("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", .transaction, reason: "SET TRANSACTION"),
        other("COMMIT", .transaction, reason: "COMMIT"),
        other("END", .transaction, reason: "COMMIT"),
        other("ROLLBACK", .transaction, reason: "ROLLBACK"),
        other("ABORT", .transaction, reason: "ROLLBACK"),
        other("SAVEPOINT s1", .transaction, reason: "SAVEPOINT"),
        other("RELEASE SAVEPOINT s1", .transaction, reason: "RELEASE SAVEPOINT"),
        other("ROLLBACK TO SAVEPOINT s1", .transaction, reason: "ROLLBACK TO SAVEPOINT"),
        other("PREPARE TRANSACTION 'sy-1'", .transaction, reason: "PREPARE TRANSACTION"),
        other("COMMIT PREPARED 'sy-1'", .transaction, reason: "COMMIT PREPARED"),
        other("ROLLBACK PREPARED 'sy-1'", .transaction, reason: "ROLLBACK PREPARED"),
        other("/* switchyard: cluster=users */ BEGIN", .transaction, cluster: "users", reason: "BEGIN"),
        other("BEGIN", .transaction, cluster: "archive", reason: "BEGIN").with(
            overrides: SessionOverrides(cluster: "archive")),
        other("SET search_path TO app, public", .session, reason: "SET"),
        other("SET LOCAL statement_timeout = '5s'", .session, reason: "SET LOCAL"),
        other("SET TIME ZONE 'UTC'", .session, reason: "SET"),
        other("RESET ALL", .session, reason: "RESET"),
        other("DISCARD ALL", .session, reason: "DISCARD ALL"),
        other("DISCARD TEMP", .session, reason: "DISCARD TEMP"),
        other("LISTEN jobs", .session, reason: "LISTEN"),
        other("UNLISTEN *", .session, reason: "UNLISTEN"),
        other("PREPARE q AS SELECT 1", .session, reason: "PREPARE"),
        other(
            "PREPARE q AS SELECT * FROM auth_user WHERE id = $1", .session, cluster: "users", tables: ["auth_user"],
            reason: "PREPARE"),
        other("EXECUTE q (1)", .session, reason: "EXECUTE"),
        other("DEALLOCATE ALL", .session, reason: "DEALLOCATE"),
        other(
            "DECLARE c CURSOR FOR SELECT * FROM auth_user", .session, cluster: "users", tables: ["auth_user"],
            reason: "DECLARE CURSOR"),
        other("DECLARE c CURSOR WITH HOLD FOR SELECT 1", .session, reason: "DECLARE CURSOR WITH HOLD"),
        .decision(
            "DECLARE c CURSOR FOR SELECT * FROM orders", .other, .session, cluster: nil,
            shards: .several([Shard.orders(0), Shard.orders(1)]), tables: ["orders"], reason: "DECLARE CURSOR"),
        other("FETCH 10 FROM c", .session, reason: "FETCH"),
        other("CLOSE c", .session, reason: "CLOSE"),
        other("SET switchyard.target = 'primary'", .proxy, cluster: nil, reason: "SET switchyard.target"),
        other("SET switchyard.target TO replica", .proxy, cluster: nil, reason: "SET switchyard.target"),
        other("SET switchyard.cluster = 'users'", .proxy, cluster: nil, reason: "SET switchyard.cluster"),
        other("SET switchyard.shard = 1", .proxy, cluster: nil, reason: "SET switchyard.shard"),
        other("SET switchyard.target = DEFAULT", .proxy, cluster: nil, reason: "RESET switchyard.target"),
        other("RESET switchyard.*", .proxy, cluster: nil, reason: "RESET switchyard.*"),
        other("RESET switchyard.cluster", .proxy, cluster: nil, reason: "RESET switchyard.cluster"),
        other("SHOW switchyard.target", .proxy, cluster: nil, reason: "SHOW switchyard.target"),
        other("SHOW switchyard.*", .proxy, cluster: nil, reason: "SHOW switchyard.*"),
        other("", .proxy, cluster: nil, reason: "empty query"),
        other(";", .proxy, cluster: nil, reason: "empty query"),
        other("-- nothing", .proxy, cluster: nil, reason: "empty query"),
        .failure(
            "SET switchyard.target = 'both'", invalidParameterValue,
            #"invalid value for parameter "switchyard.target": "both""#),
        .failure(
            "SET switchyard.shard = -1", invalidParameterValue, #"invalid value for parameter "switchyard.shard": "-1""#
        ),
        .failure("SET switchyard.cluster = 'nowhere'", invalidParameterValue, #"cluster "nowhere" does not exist"#),
        .failure(
            "SET switchyard.colour = 'red'", undefinedObject,
            #"unrecognized configuration parameter "switchyard.colour""#),
        .failure(
            "SHOW switchyard.colour", undefinedObject, #"unrecognized configuration parameter "switchyard.colour""#),
        .failure(
            "RESET switchyard.colour", undefinedObject, #"unrecognized configuration parameter "switchyard.colour""#),
        .failure(
            "SET switchyard.target = 'primary'; SELECT 1", featureNotSupported,
            "switchyard commands cannot be combined with other statements in one query"),
    ]

    static let multiStatement: [RouteCase] = [
        other("BEGIN; COMMIT", .transaction, reason: "BEGIN"),
        other("SET a = 1; SET b = 2", .session, reason: "SET"),
        .decision(
            "SET search_path = app; SELECT * FROM blog_entry", .other, .primary, cluster: "main",
            tables: ["blog_entry"],
            reason: "SET with reads"),
        .decision("SELECT 1; BEGIN", .other, .primary, cluster: "main", reason: "BEGIN with reads"),
        .write("BEGIN; INSERT INTO blog_entry VALUES (1); COMMIT", tables: ["blog_entry"], reason: "INSERT"),
        .write("BEGIN; UPDATE auth_user SET a = 1; COMMIT", cluster: "users", tables: ["auth_user"], reason: "UPDATE"),
        .write("SET x = 1; DELETE FROM blog_entry", tables: ["blog_entry"], reason: "DELETE"),
        .write(
            "SELECT * FROM auth_user; DELETE FROM auth_group", cluster: "users", tables: ["auth_user", "auth_group"],
            reason: "DELETE"),
        primaryRead("SELECT 1; /* switchyard: primary */ SELECT 2", reason: "hint primary"),
    ]

    @Test(arguments: hints + overrides + transactions + noReplicaReads + commands + multiStatement)
    func decision(_ testCase: RouteCase) {
        #expect(testCase.decide() == testCase.expected)
    }

    @Test func overridesFollowProxyCommands() {
        var overrides = SessionOverrides()
        overrides.apply(.setTarget(.primary))
        overrides.apply(.setCluster("users"))
        overrides.apply(.setShard(1))
        #expect(overrides == SessionOverrides(target: .primary, cluster: "users", shard: 1))
        #expect(ProxySetting.allCases.map { overrides.value(of: $0) } == ["primary", "users", "1"])
        overrides.apply(.reset(.cluster))
        #expect(overrides == SessionOverrides(target: .primary, shard: 1))
        overrides.apply(.show(.target))
        overrides.apply(.invalidValue(.target, "x"))
        #expect(overrides == SessionOverrides(target: .primary, shard: 1))
        overrides.apply(.reset(nil))
        #expect(overrides == SessionOverrides())
        #expect(ProxySetting.allCases.map { overrides.value(of: $0) } == ["auto", "", ""])
    }
}
