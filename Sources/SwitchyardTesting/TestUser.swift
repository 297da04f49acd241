// TestUser: the login roles every test server has, one per server authentication method.

/// A role present on every `TestCluster` server, with the method its host connections must use.
package struct TestUser: Sendable, Equatable, CustomStringConvertible {
    package var name: String
    package var password: String
    /// The `pg_hba.conf` method the server demands from this role on 127.0.0.1.
    package var method: HostAuthMethod
    /// How the password is stored (`md5` roles need an MD5 hash for the md5 method to apply).
    package var encryption: PasswordEncryption

    package var description: String { "\(name) (\(method.rawValue))" }

    /// SCRAM-SHA-256, the default; owns database `app`.
    package static let app = TestUser(name: "app", password: "app", method: .scramSHA256, encryption: .scramSHA256)
    /// MD5 (password stored as an MD5 hash).
    package static let appMD5 = TestUser(name: "app_md5", password: "app_md5", method: .md5, encryption: .md5)
    /// Clear-text password.
    package static let appPlain = TestUser(
        name: "app_plain", password: "app_plain", method: .password, encryption: .scramSHA256)
    /// No password.
    package static let appTrust = TestUser(
        name: "app_trust", password: "app_trust", method: .trust, encryption: .scramSHA256)

    /// Every test user, one per authentication method.
    package static let all = [app, appMD5, appPlain, appTrust]

    /// The database every test server has, owned by `app`.
    package static let database = "app"

    /// The `pg_hba.conf` exceptions that give each user its method.
    package static var hostRules: [HostAuthRule] {
        all.filter { $0.method != .scramSHA256 }.map { HostAuthRule(role: $0.name, method: $0.method) }
    }

    /// Creates every test user and database `app` on a primary. The other users are members of
    /// `app`, so they may use whatever `app` creates.
    static func install(on server: LocalPostgres) throws {
        for user in all {
            try server.createRole(name: user.name, password: user.password, encryption: user.encryption)
        }
        try server.createDatabase(name: database, owner: app.name)
        let members = all.filter { $0 != app }.map { SQLQuoting.identifier($0.name) }.joined(separator: ", ")
        try server.query("GRANT \(SQLQuoting.identifier(app.name)) TO \(members);")
    }
}
