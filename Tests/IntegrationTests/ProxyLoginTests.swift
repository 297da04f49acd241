// ProxyLoginTests: clients log in to the proxy, the proxy logs in to servers of every method, and
// failures and startup parameters look as they do on a direct connection.
import Foundation
import SwitchyardTesting
import SwitchyardWire
import Testing

/// The server login each extra cluster uses: cluster `as_<user>` logs in as that test user.
private let serverLoginClusters = TestUser.all.map {
    ProxyConfiguration.Cluster(name: "as_\($0.name)", serverUser: $0.name, serverPassword: $0.password, poolSize: 2)
}

/// One loop (`workers = 1`), so which idle server connection a client gets is the pool's choice
/// alone and `settingsFollowClients` can steer every client onto both.
@Suite(
    "Proxy login with plaintext passwords",
    .serialized,
    .sharedProxy(ProxyConfiguration(poolSize: 2, clusters: serverLoginClusters, proxySettings: ["workers": "1"]))
)
struct ProxyLoginTests {
    @Test(
        "a client logs in with its own password, which the proxy uses for the server's method", arguments: TestUser.all)
    func ownCredentials(user: TestUser) throws {
        let fixture = try SharedProxy.fixture()
        let connection = try fixture.connect(user: user.name, password: user.password)
        defer { connection.close() }
        let result = try connection.exec("SELECT current_user, current_database()")
        #expect(result.rows == [[user.name, fixture.serverDatabase]])
    }

    @Test(
        "the proxy logs in with the cluster's user and password, whatever the server's method", arguments: TestUser.all)
    func clusterCredentials(user: TestUser) throws {
        let fixture = try SharedProxy.fixture()
        let connection = try fixture.connect(database: "as_\(user.name)")
        defer { connection.close() }
        #expect(try connection.exec("SELECT current_user, session_user").rows == [[user.name, user.name]])
    }

    /// PostgreSQL answers a wrong password and a role that does not exist alike (FATAL 28P01,
    /// `password authentication failed for user "..."`, no detail); the proxy must too.
    @Test(
        "a wrong password and an unknown user both fail with 28P01, exactly as on the server",
        arguments: [("app", "wrong"), ("app_md5", "wrong"), ("no_such_user", "app")]
    )
    func refusedLogin(user: String, password: String) throws {
        let fixture = try SharedProxy.fixture()
        let proxied = try #require(throws: PGError.self) { try fixture.connect(user: user, password: password) }
        let direct = try #require(throws: PGError.self) { try fixture.connectDirect(user: user, password: password) }
        #expect(proxied.kind == .connection)
        #expect(proxied.sqlState == .invalidPassword)
        #expect(proxied.severity == "FATAL")
        #expect(proxied.sqlState == direct.sqlState)
        #expect(proxied.message == direct.message)
        #expect(proxied.detail == direct.detail)
    }

    @Test("wrong password and unknown user get the same message but for the name")
    func indistinguishableFailures() throws {
        let fixture = try SharedProxy.fixture()
        let wrong = try #require(throws: PGError.self) { try fixture.connect(user: "app", password: "wrong") }
        let unknown = try #require(throws: PGError.self) { try fixture.connect(user: "nobody", password: "app") }
        #expect(wrong.sqlState == unknown.sqlState)
        #expect(wrong.severity == unknown.severity)
        #expect(wrong.detail == unknown.detail)
        #expect(
            wrong.message.replacingOccurrences(of: "\"app\"", with: "\"?\"")
                == unknown.message.replacingOccurrences(of: "\"nobody\"", with: "\"?\""))
    }

    @Test("an unknown database fails with FATAL 3D000 and the server's message")
    func unknownDatabase() throws {
        let fixture = try SharedProxy.fixture()
        let proxied = try #require(throws: PGError.self) { try fixture.connect(database: "no_such_db") }
        let direct = try #require(throws: PGError.self) {
            try PGConnection(
                fixture.primary.connectionString(user: "app", password: "app", database: "no_such_db"))
        }
        #expect(proxied.sqlState == .invalidCatalogName)
        #expect(proxied.severity == "FATAL")
        #expect(proxied.message == direct.message)
    }

    /// `application_name` is a startup parameter of its own; TimeZone comes through `options`.
    @Test(
        "startup parameters are reported in ParameterStatus and in effect on the server",
        arguments: [
            ["application_name": "login_one", "options": "-c TimeZone=Asia/Tokyo"],
            ["application_name": "login two", "options": "-c timezone=America/New_York"],
            ["options": "-c TimeZone=UTC -c application_name=from_options"],
        ])
    func startupParameters(extra: [String: String]) throws {
        let fixture = try SharedProxy.fixture()
        let proxied = try fixture.connect(extra: extra)
        defer { proxied.close() }
        let direct = try fixture.connectDirect(extra: extra)
        defer { direct.close() }
        for name in ["application_name", "TimeZone"] {
            #expect(proxied.serverParameter(name) == direct.serverParameter(name), "\(name)")
        }
        let sql = "SELECT current_setting('application_name'), current_setting('TimeZone')"
        let expected = try direct.exec(sql).rows
        #expect(try proxied.exec(sql).rows == expected)
        // Also inside a transaction and again after it, on whatever server runs it.
        _ = try proxied.exec("BEGIN")
        #expect(try proxied.exec(sql).rows == expected)
        _ = try proxied.exec("COMMIT")
        #expect(try proxied.exec("SHOW TimeZone").rows == direct.exec("SHOW TimeZone").rows)
    }

    @Test("PGTZ and PGAPPNAME in psql's environment take effect as on a direct connection")
    func environmentSettings() throws {
        let fixture = try SharedProxy.fixture()
        let environment = ["PGTZ": "Pacific/Auckland", "PGAPPNAME": "psql_env"]
        let commands = ["-At", "-c", "SHOW TimeZone", "-c", "SELECT current_setting('application_name')"]
        let proxied = try ClientTools.psql(
            fixture.clientArguments() + commands, password: "app", environment: environment)
        let direct = try ClientTools.psql(
            fixture.directClientArguments() + commands, password: "app", environment: environment)
        #expect(proxied.succeeded, "\(proxied.standardError)")
        #expect(proxied.standardOutput == "Pacific/Auckland\npsql_env\n")
        #expect(proxied.standardOutput == direct.standardOutput)
    }

    /// With pool_size 2, one client at a time holds a transaction open while the others run in
    /// autocommit on the other server connection; the holder rotates, so every client runs on
    /// both server connections, each time after another client's settings were there.
    @Test("in transaction mode every client keeps its own settings on whichever server runs it")
    func settingsFollowClients() throws {
        let fixture = try SharedProxy.fixture()
        let wanted = [
            ("alpha", "Asia/Tokyo"), ("beta", "America/New_York"), ("gamma", "Europe/Paris"), ("delta", "UTC"),
        ]
        let clients = try wanted.map { name, zone in
            try fixture.connect(extra: ["application_name": name, "options": "-c TimeZone=\(zone)"])
        }
        defer { for client in clients { client.close() } }
        var backends = Array(repeating: Set<String>(), count: clients.count)

        func check(_ index: Int) throws {
            let row = try clients[index].exec(
                "SELECT current_setting('application_name'), current_setting('TimeZone'), pg_backend_pid()"
            ).rows.first
            #expect(row?[0] == wanted[index].0)
            #expect(row?[1] == wanted[index].1)
            if let pid = row?[2] ?? nil { backends[index].insert(pid) }
        }

        for round in 0..<(clients.count * 3) {
            let holder = round % clients.count
            _ = try clients[holder].exec("BEGIN")
            try check(holder)
            for other in clients.indices where other != holder { try check(other) }
            try check(holder)
            _ = try clients[holder].exec("COMMIT")
        }
        for (index, client) in clients.enumerated() {
            #expect(backends[index].count == 2, "client \(index) ran on \(backends[index])")
            #expect(client.serverParameter("application_name") == wanted[index].0)
            #expect(client.serverParameter("TimeZone") == wanted[index].1)
        }
        #expect(backends.reduce(into: Set<String>()) { $0.formUnion($1) }.count == 2)
    }
}

@Suite(
    "Proxy login with stored secrets",
    .serialized,
    .sharedProxy {
        let primary = try TestCluster.shared.primary()
        func stored(_ user: String) throws -> String {
            try primary.query("SELECT rolpassword FROM pg_authid WHERE rolname = \(SQLQuoting.literal(user))")
        }
        return ProxyConfiguration(
            users: [
                .init(name: "app", password: try stored("app")),
                .init(name: "app_md5", password: try stored("app_md5")),
                .init(name: "lonely", password: MD5Hash.secret(password: "lonely", user: "lonely")),
            ],
            // A client database named after the md5 user, for logins that name no database.
            clusters: [.init(name: "app_md5", serverUser: nil)])
    }
)
struct ProxySecretLoginTests {
    /// The proxy holds only StoredKey and ServerKey; it can log into the SCRAM server only with the
    /// ClientKey it recovers from the client's proof. Three transactions at once need three
    /// server connections, each logged in that way.
    @Test("a SCRAM secret copied from pg_authid: client SCRAM login, server login with the recovered ClientKey")
    func scramSecret() throws {
        let fixture = try SharedProxy.fixture()
        #expect(fixture.configuration.users[0].password.hasPrefix("SCRAM-SHA-256$4096:"))
        let clients = try (0..<3).map { _ in try fixture.connect() }
        defer { for client in clients { client.close() } }
        var pids: Set<String> = []
        for client in clients {
            _ = try client.exec("BEGIN")
            pids.insert(try #require(try client.exec("SELECT pg_backend_pid()").scalar))
        }
        for client in clients {
            #expect(try client.exec("SELECT current_user").scalar == "app")
            _ = try client.exec("COMMIT")
        }
        #expect(pids.count == 3)
    }

    @Test("an md5 secret from pg_authid: client md5 login, server md5 login with the secret")
    func md5Secret() throws {
        let fixture = try SharedProxy.fixture()
        #expect(fixture.configuration.users[1].password.hasPrefix("md5"))
        let connection = try fixture.connect(user: "app_md5", password: "app_md5")
        defer { connection.close() }
        #expect(try connection.exec("SELECT current_user").scalar == "app_md5")
    }

    @Test(
        "a wrong password against a stored secret fails with 28P01 as on the server",
        arguments: ["app", "app_md5"])
    func wrongPassword(user: String) throws {
        let fixture = try SharedProxy.fixture()
        let proxied = try #require(throws: PGError.self) { try fixture.connect(user: user, password: "wrong") }
        let direct = try #require(throws: PGError.self) { try fixture.connectDirect(user: user, password: "wrong") }
        #expect(proxied.sqlState == .invalidPassword)
        #expect(proxied.message == direct.message)
    }

    /// Authentication request codes from the protocol documentation: 5 AuthenticationMD5Password,
    /// 10 AuthenticationSASL. An md5 secret can only check md5; everything else gets SCRAM, and an
    /// unknown user the same SCRAM challenge as a known one.
    @Test(
        "the proxy challenges with the method the stored secret allows",
        arguments: [("app", Int32(10)), ("app_md5", 5), ("lonely", 5), ("nobody", 10)])
    func challenge(user: String, code: Int32) throws {
        let fixture = try SharedProxy.fixture()
        let raw = try RawConnection(port: fixture.port)
        defer { raw.close() }
        #expect(raw.firstAuthenticationRequest(parameters: [("user", user), ("database", "app")]) == code)
    }

    @Test("a startup packet without `database` means the database named like the user")
    func databaseDefaultsToUser() throws {
        let fixture = try SharedProxy.fixture()
        let (raw, _) = try loginMD5(fixture, user: "app_md5", password: "app_md5")
        defer { raw.close() }
        raw.send(FrontendBytes.query("SELECT current_user"))
        let answer = raw.readFrames(until: UInt8(ascii: "Z"), timeout: 5)
        #expect(answer.frames.map(\.kind) == ["T", "D", "C", "Z"])
        #expect(answer.frames.first { $0.kind == "D" }?.dataRowValues == ["app_md5"])

        // No [databases.lonely]: the same login for user "lonely" ends in 3D000 naming it.
        let error = try #require(throws: RawLoginError.self) {
            try loginMD5(fixture, user: "lonely", password: "lonely")
        }
        #expect(error.error?.sqlState == "3D000")
        #expect(error.error?.errorFields["M"] == "database \"lonely\" does not exist")
    }

    /// An md5 login with no `database`, retried while the salt has a zero byte.
    private func loginMD5(_ fixture: ProxyFixture, user: String, password: String) throws -> (
        RawConnection, [BackendFrame]
    ) {
        for _ in 0..<20 {
            let raw = try RawConnection(port: fixture.port)
            do {
                return (raw, try raw.loginMD5(user: user, password: password, parameters: []))
            } catch let error as RawLoginError where error.reason.hasPrefix("salt") {
                raw.close()
            }
        }
        throw RawLoginError(frames: [], reason: "every salt had a zero byte")
    }
}
