// LocalPostgresOptions: how a local server is set up (connections, WAL, auth methods, test speed).

/// `wal_level`: `replica` for streaming replicas, `logical` for logical replication too.
package enum WALLevel: String, Sendable {
    case replica
    case logical
}

/// A `pg_hba.conf` method for TCP connections from 127.0.0.1.
package enum HostAuthMethod: String, Sendable, CaseIterable {
    /// SCRAM-SHA-256 (the default for every role).
    case scramSHA256 = "scram-sha-256"
    /// MD5 when the role's password is stored as MD5; PostgreSQL answers with SCRAM otherwise.
    case md5
    /// The password in clear text.
    case password
    /// No password at all.
    case trust
}

/// How `CREATE ROLE ... PASSWORD` stores the password (`password_encryption`).
package enum PasswordEncryption: String, Sendable {
    case scramSHA256 = "scram-sha-256"
    case md5
}

/// `pg_ctl stop -m`: how a server shuts down.
package enum StopMode: String, Sendable {
    /// Waits for clients to disconnect.
    case smart
    /// Disconnects clients, then shuts down cleanly.
    case fast
    /// Quits at once; the next start runs crash recovery.
    case immediate
}

/// A role that authenticates with `method` instead of SCRAM on host connections from 127.0.0.1.
package struct HostAuthRule: Sendable, Equatable {
    package var role: String
    package var method: HostAuthMethod

    package init(role: String, method: HostAuthMethod) {
        self.role = role
        self.method = method
    }
}

/// Settings for a new server.
package struct LocalPostgresOptions: Sendable {
    /// The TCP port; `nil` picks a free one.
    package var port: Int?
    package var maxConnections = 200
    package var maxPreparedTransactions = 20
    package var walLevel = WALLevel.replica
    package var maxWALSenders = 10
    /// `shared_buffers`; small, since many servers share one machine.
    package var sharedBuffers = "16MB"
    /// Trades durability for speed (`fsync`, `synchronous_commit`, `full_page_writes` off): for tests.
    package var fast = false
    /// Per-role authentication methods for host connections; every other role uses SCRAM.
    package var hostRules: [HostAuthRule] = []
    /// More `postgresql.conf` settings, written verbatim (`value` must be quoted where PostgreSQL
    /// needs quotes).
    package var extraSettings: [String: String] = [:]

    package init(port: Int? = nil, fast: Bool = false) {
        self.port = port
        self.fast = fast
    }

    /// The lines of the settings file for a server on `port` with its socket in `socketDirectory`.
    func settingsFile(port: Int, socketDirectory: String, replicaSettings: [String: String] = [:]) -> String {
        var lines = [
            "# Written by Switchyard for a local server; rewritten when the server is reconfigured.",
            "listen_addresses = '127.0.0.1'",
            "port = \(port)",
            "unix_socket_directories = \(Self.quoted(socketDirectory))",
            "max_connections = \(maxConnections)",
            "max_prepared_transactions = \(maxPreparedTransactions)",
            "shared_buffers = \(Self.quoted(sharedBuffers))",
            "wal_level = \(walLevel.rawValue)",
            "max_wal_senders = \(maxWALSenders)",
            "max_replication_slots = \(maxWALSenders)",
            // Replicas without a slot must not fall behind the WAL the primary keeps.
            "wal_keep_size = '128MB'",
            "hot_standby = on",
            "hot_standby_feedback = on",
            "logging_collector = off",
            "log_line_prefix = '%m [%p] %q%u@%d '",
        ]
        if fast {
            lines += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
        }
        let merged = extraSettings.merging(replicaSettings, uniquingKeysWith: { $1 })
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            lines.append("\(key) = \(value)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The text of `pg_hba.conf`: trust on the server's private socket directory, the per-role
    /// rules, then SCRAM for everything else from 127.0.0.1 (replication included).
    static func hbaFile(rules: [HostAuthRule]) -> String {
        var lines = [
            "# Written by Switchyard for a local server; rewritten when authentication rules change.",
            "# TYPE  DATABASE     USER       ADDRESS        METHOD",
            // The socket directory belongs to the server's account alone, so trust is safe there.
            "local   all          all                       trust",
            "local   replication  all                       trust",
        ]
        for rule in rules {
            lines.append("host    all          \(quotedRole(rule.role))  127.0.0.1/32   \(rule.method.rawValue)")
        }
        lines += [
            "host    replication  all        127.0.0.1/32   scram-sha-256",
            "host    all          all        127.0.0.1/32   scram-sha-256",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// A string setting value in single quotes, quotes doubled.
    static func quoted(_ value: String) -> String {
        "'" + value.replacingAll("'", with: "''") + "'"
    }

    private static func quotedRole(_ role: String) -> String {
        role.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
            ? role : "\"" + role.replacingAll("\"", with: "\"\"") + "\""
    }
}

extension String {
    /// The string with every `target` replaced (stdlib only, no Foundation needed by callers).
    package func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
