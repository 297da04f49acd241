// RouterClusterCorpusTests: which cluster a statement goes to, and cross-cluster errors.

import SwitchyardRouting
import SwitchyardSQL
import Testing

/// Table patterns decide the cluster (SPEC §2/§3): routes by glob, schema-qualified patterns,
/// PostgreSQL folding; tables of two clusters in one statement fail with 0A000.
@Suite struct RouterClusterCorpusTests {
    static let featureNotSupported = RoutingError.Code.featureNotSupported

    static let routed: [RouteCase] = [
        .read("SELECT * FROM auth_user", cluster: "users", tables: ["auth_user"]),
        .read("SELECT * FROM AUTH_USER", cluster: "users", tables: ["auth_user"]),
        .read(
            "SELECT * FROM auth_group JOIN auth_user_groups ON true", cluster: "users",
            tables: ["auth_group", "auth_user_groups"]),
        .read("SELECT * FROM \"Auth_User\"", cluster: "main", tables: ["Auth_User"]),
        .read("SELECT * FROM public.auth_user", cluster: "users", tables: ["public.auth_user"]),
        .read("SELECT * FROM tenant1.auth_permission", cluster: "users", tables: ["tenant1.auth_permission"]),
        .read("SELECT * FROM django_session WHERE session_key = $1", cluster: "users", tables: ["django_session"]),
        .read("SELECT * FROM django_session2", cluster: "main", tables: ["django_session2"]),
        .read("SELECT * FROM auth", cluster: "main", tables: ["auth"]),
        .read("SELECT * FROM archive.logs", cluster: "archive", tables: ["archive.logs"]),
        .read(
            "SELECT * FROM ARCHIVE.Logs l JOIN archive.users u ON true", cluster: "archive",
            tables: ["archive.logs", "archive.users"]),
        .read("SELECT * FROM public.archive", cluster: "main", tables: ["public.archive"]),
        .read("SELECT * FROM archive", cluster: "main", tables: ["archive"]),
        .read("SELECT * FROM orders_archive", cluster: "archive", tables: ["orders_archive"]),
        .read("SELECT * FROM \"Legacy\"", cluster: "legacy", tables: ["Legacy"]),
        .read("SELECT * FROM legacy", cluster: "main", tables: ["legacy"]),
        .read("SELECT * FROM Legacy", cluster: "main", tables: ["legacy"]),
        .read("SELECT * FROM report_01", cluster: "reports", tables: ["report_01"]),
        .read("SELECT * FROM report_é1", cluster: "reports", tables: ["report_é1"]),
        .read("SELECT * FROM report_1", cluster: "main", tables: ["report_1"]),
        .read("SELECT * FROM report_001", cluster: "main", tables: ["report_001"]),
        .read(
            "SELECT * FROM auth_user WHERE id IN (SELECT user_id FROM auth_user_groups)", cluster: "users",
            tables: ["auth_user", "auth_user_groups"]),
        .read("WITH u AS (SELECT * FROM auth_user) SELECT * FROM u", cluster: "users", tables: ["auth_user"]),
        .read(
            "SELECT * FROM blog_entry WHERE EXISTS (SELECT 1 FROM blog_author)", cluster: "main",
            tables: ["blog_entry", "blog_author"]),
        .read(
            "SELECT * FROM auth_user; SELECT * FROM auth_group", cluster: "users", tables: ["auth_user", "auth_group"]),
        .read("SELECT 1; SELECT * FROM auth_user", cluster: "users", tables: ["auth_user"]),
        .read("SELECT * FROM auth_user; SELECT now()", cluster: "users", tables: ["auth_user"]),
        .read("EXPLAIN SELECT * FROM auth_user", cluster: "users", tables: ["auth_user"], reason: "EXPLAIN"),
        .read("TABLE auth_user", cluster: "users", tables: ["auth_user"], reason: "TABLE"),
        .write("INSERT INTO auth_user (name) VALUES ('x')", cluster: "users", tables: ["auth_user"], reason: "INSERT"),
        .write(
            "UPDATE auth_user SET name = 'y' WHERE id = 1", cluster: "users", tables: ["auth_user"], reason: "UPDATE"),
        .write(
            "DELETE FROM django_session WHERE expire_date < now()", cluster: "users", tables: ["django_session"],
            reason: "DELETE"),
        .write("SELECT * FROM auth_user FOR UPDATE", cluster: "users", tables: ["auth_user"], reason: "locking clause"),
        .write(
            "SELECT nextval('auth_user_id_seq') FROM auth_user", cluster: "users", tables: ["auth_user"],
            reason: "write function nextval"),
        .write(
            "CREATE TABLE auth_permission (id int)", cluster: "users", tables: ["auth_permission"],
            reason: "CREATE TABLE"),
        .write(
            "CREATE TABLE auth_user_groups (user_id int REFERENCES auth_user (id))", cluster: "users",
            tables: ["auth_user_groups", "auth_user"], reason: "CREATE TABLE"),
        .write("CREATE INDEX ON auth_user (email)", cluster: "users", tables: ["auth_user"], reason: "CREATE INDEX"),
        .write(
            "ALTER TABLE auth_user ADD COLUMN x int", cluster: "users", tables: ["auth_user"], reason: "ALTER TABLE"),
        .write(
            "DROP TABLE auth_user, auth_group", cluster: "users", tables: ["auth_user", "auth_group"],
            reason: "DROP TABLE"),
        .write("TRUNCATE archive.logs", cluster: "archive", tables: ["archive.logs"], reason: "TRUNCATE"),
        .write("VACUUM \"Legacy\"", cluster: "legacy", tables: ["Legacy"], reason: "VACUUM"),
        .write(
            "INSERT INTO archive.logs SELECT * FROM archive.staging", cluster: "archive",
            tables: ["archive.logs", "archive.staging"],
            reason: "INSERT"),
        .write("COPY auth_user FROM STDIN", cluster: "users", tables: ["auth_user"], reason: "COPY"),
        .write(
            "UPDATE auth_user SET a = 1; DELETE FROM auth_group", cluster: "users",
            tables: ["auth_user", "auth_group"],
            reason: "UPDATE"),
    ]

    static let crossCluster: [RouteCase] = [
        .failure(
            "SELECT * FROM blog_entry JOIN auth_user ON true", featureNotSupported,
            #"cannot join "blog_entry" (cluster main) with "auth_user" (cluster users)"#),
        .failure(
            "SELECT * FROM auth_user JOIN blog_entry ON true", featureNotSupported,
            #"cannot join "auth_user" (cluster users) with "blog_entry" (cluster main)"#),
        .failure(
            "SELECT * FROM auth_user, auth_group, blog_entry", featureNotSupported,
            #"cannot join "auth_user" (cluster users) with "blog_entry" (cluster main)"#),
        .failure(
            "SELECT * FROM blog_entry WHERE author_id IN (SELECT id FROM auth_user)", featureNotSupported,
            #"cannot join "blog_entry" (cluster main) with "auth_user" (cluster users)"#),
        .failure(
            "WITH u AS (SELECT * FROM auth_user) SELECT * FROM u JOIN blog_entry ON true", featureNotSupported,
            #"cannot join "auth_user" (cluster users) with "blog_entry" (cluster main)"#),
        .failure(
            "SELECT * FROM archive.logs JOIN \"Legacy\" ON true", featureNotSupported,
            #"cannot join "archive.logs" (cluster archive) with "Legacy" (cluster legacy)"#),
        .failure(
            "INSERT INTO blog_entry SELECT * FROM auth_user", featureNotSupported,
            #"cannot join "blog_entry" (cluster main) with "auth_user" (cluster users)"#),
        .failure(
            "UPDATE auth_user SET x = b.x FROM blog_entry b", featureNotSupported,
            #"cannot join "auth_user" (cluster users) with "blog_entry" (cluster main)"#),
        .failure(
            "DELETE FROM auth_user USING blog_entry", featureNotSupported,
            #"cannot join "auth_user" (cluster users) with "blog_entry" (cluster main)"#),
        .failure(
            "CREATE TABLE blog_like (user_id int REFERENCES auth_user (id))", featureNotSupported,
            #"cannot join "blog_like" (cluster main) with "auth_user" (cluster users)"#),
        .failure(
            "CREATE VIEW user_posts AS SELECT * FROM auth_user", featureNotSupported,
            #"cannot join "user_posts" (cluster main) with "auth_user" (cluster users)"#),
        .failure(
            "SELECT * FROM orders JOIN auth_user ON true WHERE orders.customer_id = 1", featureNotSupported,
            #"cannot join "orders" (cluster shard0) with "auth_user" (cluster users)"#),
        .failure(
            "SELECT * FROM orders o JOIN auth_user u ON o.uid = u.id WHERE o.customer_id = -1", featureNotSupported,
            #"cannot join "orders" (cluster shard1) with "auth_user" (cluster users)"#),
        .failure(
            "SELECT * FROM orders JOIN blog_entry ON true", featureNotSupported,
            #"cannot join "orders" (clusters shard0, shard1) with "blog_entry" (cluster main)"#),
        .failure(
            "SELECT * FROM blog_entry JOIN orders ON true", featureNotSupported,
            #"cannot join "blog_entry" (cluster main) with "orders" (clusters shard0, shard1)"#),
        .failure(
            "SELECT * FROM orders JOIN events ON true WHERE customer_id = 1 AND tenant = 'a'", featureNotSupported,
            #"cannot join "orders" (cluster shard0) with "events" (cluster ev2)"#),
        .failure(
            "SELECT * FROM orders JOIN orders_archive USING (id)", featureNotSupported,
            #"cannot join "orders" (clusters shard0, shard1) with "orders_archive" (cluster archive)"#),
        .failure(
            "SELECT * FROM orders WHERE customer_id = $1 AND id IN (SELECT id FROM blog_entry)", featureNotSupported,
            #"cannot join "orders" (clusters shard0, shard1) with "blog_entry" (cluster main)"#),
        .failure(
            "SELECT * FROM auth_user; SELECT * FROM blog_entry", featureNotSupported,
            #"cannot join "auth_user" (cluster users) with "blog_entry" (cluster main)"#),
        .failure(
            "INSERT INTO auth_user VALUES (1); INSERT INTO blog_entry VALUES (1)", featureNotSupported,
            #"cannot join "auth_user" (cluster users) with "blog_entry" (cluster main)"#),
        .failure(
            "SELECT * FROM auth_user; SELECT * FROM orders WHERE customer_id = 1", featureNotSupported,
            #"cannot join "auth_user" (cluster users) with "orders" (cluster shard0)"#),
        .failure(
            "SELECT * FROM orders WHERE customer_id = 1; SELECT * FROM orders WHERE customer_id = 2; SELECT * FROM events",
            featureNotSupported, #"cannot join "orders" (cluster shard0) with "events" (clusters ev0, ev1, ev2)"#),
    ]

    @Test(arguments: routed + crossCluster)
    func decision(_ testCase: RouteCase) {
        #expect(testCase.decide() == testCase.expected)
    }

    @Test func unknownDatabaseIsRefused() {
        let result = Fixtures.router.decide(sql: "SELECT 1", database: "nope")
        #expect(
            result
                == .failure(
                    RoutingError(
                        sqlState: RoutingError.Code.invalidCatalogName, message: #"database "nope" does not exist"#)))
    }

    @Test func tablesOfAnotherDatabaseGoToItsDefaultCluster() {
        let result = Fixtures.router.decide(sql: "SELECT * FROM auth_user", database: "solo")
        #expect(
            result
                == .success(
                    RouteDecision(
                        database: "solo", kind: .read, target: .primary, cluster: "solo", tables: ["auth_user"],
                        reason: "read_write_split off")))
    }
}
