// LocalPostgres+SQL: setup statements run through psql as the superuser over the private Unix socket.
extension LocalPostgres {
    /// Runs `sql` (one or more statements, each on its own, so `CREATE DATABASE` works) with `psql`
    /// as the superuser, stopping at the first error, and returns the rows printed: one line per
    /// row, columns separated by `|` (`psql -At`).
    @discardableResult
    package func query(_ sql: String, database: String = "postgres", timeout: Double = 60) throws -> String {
        guard isRunning else { throw LocalError.notRunning(name: name) }
        let arguments = [
            "-X", "-q", "-v", "ON_ERROR_STOP=1", "-A", "-t", "-h", socketDirectory, "-p", String(port),
            "-U", Self.superuser, "-d", database, "-f", "-",
        ]
        let command = account.command(binaries.psql, arguments, environment: ["PGCONNECT_TIMEOUT": "10"], input: sql)
        return try command.check(timeout: timeout).trimmingTrailingWhitespace()
    }

    /// Creates a login role whose password is stored with `encryption` (`password_encryption` is set
    /// in the same session, so MD5 roles can exist on a SCRAM server).
    package func createRole(
        name role: String,
        password: String?,
        encryption: PasswordEncryption = .scramSHA256,
        superuser: Bool = false,
        replication: Bool = false
    ) throws {
        var attributes = ["LOGIN"]
        if superuser { attributes.append("SUPERUSER") }
        if replication { attributes.append("REPLICATION") }
        if let password { attributes.append("PASSWORD " + SQLQuoting.literal(password)) }
        try query(
            """
            SET password_encryption = \(SQLQuoting.literal(encryption.rawValue));
            CREATE ROLE \(SQLQuoting.identifier(role)) \(attributes.joined(separator: " "));
            """)
    }

    /// Creates database `name` owned by `owner`.
    package func createDatabase(name database: String, owner: String = LocalPostgres.superuser) throws {
        try query("CREATE DATABASE \(SQLQuoting.identifier(database)) OWNER \(SQLQuoting.identifier(owner));")
    }
}

/// Quoting for the statements we build: identifiers in double quotes, literals in single quotes.
package enum SQLQuoting {
    /// `"name"`, inner double quotes doubled.
    package static func identifier(_ name: String) -> String {
        "\"" + name.replacingAll("\"", with: "\"\"") + "\""
    }

    /// `'text'`, inner single quotes doubled (standard_conforming_strings is on since 9.1).
    package static func literal(_ text: String) -> String {
        "'" + text.replacingAll("'", with: "''") + "'"
    }
}
