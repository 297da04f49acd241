// ConfigEntryTests: which SHOW CONFIG values are masked.
import SwitchyardAdmin
import Testing

@Suite("ConfigEntry masking")
struct ConfigEntryTests {
    /// md5 secrets are "md5" followed by 32 hex digits (pg_authid.rolpassword); this one is
    /// md5("secret" + "app") as PostgreSQL stores it. SCRAM secrets start with "SCRAM-SHA-256$".
    static let md5Secret = "md56a422f785c9e20873908ce25d1736ae2"
    static let scramSecret = "SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy"

    @Test(arguments: [
        ("users.app.password", "secret", "********"),
        ("clusters.main.password", "hunter2", "********"),
        ("health.password", "x", "********"),
        ("proxy.admin_token", "t0ken", "********"),
        ("users[0].password", "secret", "********"),
        ("users.app.PASSWORD", "secret", "********"),
        ("proxy.some_token", "abc", "********"),
        ("users.app.password", "", ""),
        ("proxy.admin_token", "", ""),
        ("users.app.name", "app", "app"),
        ("proxy.listen", "127.0.0.1:6432", "127.0.0.1:6432"),
        ("proxy.tls_key_file", "/etc/ssl/key.pem", "/etc/ssl/key.pem"),
        ("users.password_hint.name", "x", "x"),
        ("anything", md5Secret, "********"),
        ("anything", scramSecret, "********"),
        ("anything", "md5", "md5"),
        ("anything", "md5 is a hash function, not a password!", "md5 is a hash function, not a password!"),
        ("anything", "md56a422f785c9e20873908ce25d1736aez", "md56a422f785c9e20873908ce25d1736aez"),
    ])
    func masksSecrets(key: String, value: String, shown: String) {
        #expect(ConfigEntry(key: key, value: value).masked == ConfigEntry(key: key, value: shown))
    }

    @Test func showConfigMasksThroughTheConsole() {
        let config = [
            ConfigEntry(key: "proxy.listen", value: "127.0.0.1:6432"),
            ConfigEntry(key: "users.app.password", value: Self.scramSecret),
        ]
        let result = AdminConsole.resultSet(for: .show(.config), snapshot: SampleSnapshot.snapshot, config: config)
        #expect(result.columns == [.text("key"), .text("value")])
        #expect(result.rows == [["proxy.listen", "127.0.0.1:6432"], ["users.app.password", "********"]])
    }
}
