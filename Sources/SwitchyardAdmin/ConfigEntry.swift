// ConfigEntry: one configuration setting as SHOW CONFIG lists it, with secrets masked.

/// A setting in force, as a key path and its value written as in the TOML file.
package struct ConfigEntry: Sendable, Equatable {
    /// The key path, e.g. `proxy.listen`, `clusters.main.password`, `users.app.password`.
    package var key: String
    package var value: String

    package init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    /// What a secret is shown as.
    package static let mask = "********"

    /// This entry with its value replaced by `mask` when it is a secret: a key whose last
    /// component names a password or token, or a value in a stored-secret format (`md5` followed by
    /// 32 hex digits, or `SCRAM-SHA-256$...`) whatever its key. An empty value stays empty: it says
    /// only that no secret is set.
    package var masked: ConfigEntry {
        guard !self.value.isEmpty, Self.isSecretKey(self.key) || Self.isStoredSecret(self.value) else { return self }
        return ConfigEntry(key: self.key, value: Self.mask)
    }

    /// Whether `key` names a secret: its last component (after the last `.`, without any `[n]`
    /// index) is `password`, `admin_token`, `secret`, or ends in `_password`, `_token`, `_secret`.
    package static func isSecretKey(_ key: String) -> Bool {
        var last = Substring(key.split(separator: ".", omittingEmptySubsequences: false).last ?? "")
        if let bracket = last.firstIndex(of: "[") { last = last[..<bracket] }
        let name = last.lowercased()
        if ["password", "admin_token", "token", "secret"].contains(name) { return true }
        return name.hasSuffix("_password") || name.hasSuffix("_token") || name.hasSuffix("_secret")
    }

    /// Whether `value` is a password in one of the stored forms of `pg_authid.rolpassword`.
    package static func isStoredSecret(_ value: String) -> Bool {
        if value.hasPrefix("SCRAM-SHA-256$") { return true }
        let utf8 = Array(value.utf8)
        guard utf8.count == 35, value.hasPrefix("md5") else { return false }
        return utf8[3...].allSatisfy { byte in
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
        }
    }
}
