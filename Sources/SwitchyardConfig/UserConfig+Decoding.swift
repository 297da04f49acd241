// UserConfig+Decoding: reads the [[users]] entries, their password forms and unique names.

extension UserConfig {
    static func decodeAll(_ tables: [TableReader]) -> [UserConfig] {
        var users: [UserConfig] = []
        var seenNames: Set<String> = []
        for table in tables {
            let name = table.requiredString("name")
            if let name, name.isEmpty {
                table.report(.empty(key: "name"), at: "name")
            }
            let password = Self.password(table, user: name ?? "")
            let isAdmin = table.boolean("admin", default: false)
            table.finish()
            guard let name, !name.isEmpty else { continue }
            guard seenNames.insert(name).inserted else {
                table.report(.duplicateUser(name), at: "name")
                continue
            }
            guard let password else { continue }
            users.append(UserConfig(name: name, password: password, isAdmin: isAdmin))
        }
        return users
    }

    private static func password(_ table: TableReader, user: String) -> PasswordSecret? {
        guard let text = table.requiredString("password") else { return nil }
        do {
            return try PasswordSecret.parse(text)
        } catch {
            table.report(.invalidPassword(user: user, reason: error.reason), at: "password")
            return nil
        }
    }
}
