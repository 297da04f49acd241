// ServerAuthenticationTests: the shared servers demand each test user's own authentication method.
import SwitchyardTesting
import SwitchyardWire
import Testing

@Suite("Shared test servers: authentication", .serialized)
struct ServerAuthenticationTests {
    @Test("each test user logs in to the primary with its password", arguments: TestUser.all)
    func userLogsIn(user: TestUser) throws {
        let primary = try TestCluster.shared.primary()
        let connection = try PGConnection(
            primary.connectionString(user: user.name, password: user.password, database: TestUser.database))
        defer { connection.close() }
        let result = try connection.exec("SELECT current_user, current_database()")
        #expect(result.rows == [[user.name, TestUser.database]])
    }

    /// With a wrong password only the trust user gets in; the others fail as PostgreSQL reports a
    /// failed password check: FATAL 28P01 (invalid_password).
    @Test("a wrong password is refused unless the method is trust", arguments: TestUser.all)
    func wrongPassword(user: TestUser) throws {
        let primary = try TestCluster.shared.primary()
        let conninfo = primary.connectionString(user: user.name, password: "wrong", database: TestUser.database)
        if user.method == .trust {
            let connection = try PGConnection(conninfo)
            connection.close()
        } else {
            let error = try #require(throws: PGError.self) { try PGConnection(conninfo) }
            #expect(error.kind == .connection)
            #expect(error.sqlState == .invalidPassword)
            #expect(error.severity == "FATAL")
        }
    }

    /// The server itself reports the method of the rule that applies to each user
    /// (`pg_hba_file_rules`), and how the password is stored (`pg_authid`).
    @Test("pg_hba.conf and pg_authid match each user's method", arguments: TestUser.all)
    func serverConfiguration(user: TestUser) throws {
        let primary = try TestCluster.shared.primary()
        let method = try primary.query(
            """
            SELECT auth_method FROM pg_hba_file_rules
            WHERE type = 'host' AND 'all' = ANY(database)
              AND (\(SQLQuoting.literal(user.name)) = ANY(user_name) OR 'all' = ANY(user_name))
            ORDER BY line_number LIMIT 1
            """)
        #expect(method == user.method.rawValue)
        let stored = try primary.query(
            "SELECT left(rolpassword, 3) FROM pg_authid WHERE rolname = \(SQLQuoting.literal(user.name))")
        #expect(stored == (user.encryption == .md5 ? "md5" : "SCR"))
    }

    @Test("the users and shard servers have the test users and database")
    func otherServersHaveUsers() throws {
        let servers = [try TestCluster.shared.usersServer()] + (try TestCluster.shared.shards())
        #expect(Set(servers.map(\.port)).count == 3)
        for server in servers {
            let connection = try PGConnection(
                server.connectionString(
                    user: TestUser.appMD5.name, password: TestUser.appMD5.password,
                    database: TestUser.database))
            defer { connection.close() }
            #expect(try connection.exec("SELECT current_user").scalar == TestUser.appMD5.name)
            // Membership in `app` lets every test user create and use tables in `app`.
            #expect(try connection.exec("SELECT pg_has_role('app', 'USAGE')").scalar == "t")
        }
    }
}
