// LocalPostgres: one real PostgreSQL server on 127.0.0.1 in a directory of its own (create, start, stop).
import Foundation
import Glibc
import Logging
import Synchronization

/// A PostgreSQL server run from a local directory, for the demo and for integration tests.
///
/// Layout of `directory`: `data/` (the cluster), `socket/` (its Unix socket, reachable only by the
/// server account, where the `postgres` superuser is trusted), `postgresql.log`. Our settings live
/// in `data/switchyard.conf`, included from `postgresql.conf`, and are rewritten when they change.
///
/// Every started server is registered with `LocalRegistry`, which stops it at exit; callers should
/// still `stop()` or `remove()` it in a `defer`.
package final class LocalPostgres: Sendable, CustomStringConvertible {
    /// The superuser every server gets, and its password (SCRAM).
    package static let superuser = "postgres"
    package static let superuserPassword = "postgres"

    package let name: String
    package let host = "127.0.0.1"
    /// The server's own directory (see the type's documentation for its layout).
    package let directory: String
    package let binaries: PostgresBinaries
    package let account: ServerAccount
    package let options: LocalPostgresOptions
    let logger: Logger

    private struct State {
        var port: Int
        var hostRules: [HostAuthRule]
        /// Settings only replicas have (primary_conninfo, slot, apply delay).
        var replicaSettings: [String: String]
    }

    private let state: Mutex<State>

    init(
        name: String, directory: String, port: Int, binaries: PostgresBinaries, account: ServerAccount,
        options: LocalPostgresOptions, replicaSettings: [String: String], logger: Logger
    ) {
        self.name = name
        self.directory = directory
        self.binaries = binaries
        self.account = account
        self.options = options
        self.logger = logger
        self.state = Mutex(State(port: port, hostRules: options.hostRules, replicaSettings: replicaSettings))
    }

    package var dataDirectory: String { directory + "/data" }
    package var socketDirectory: String { directory + "/socket" }
    package var logFile: String { directory + "/postgresql.log" }
    /// The TCP port; it changes only if the first choice was taken when the server started.
    package var port: Int { state.withLock { $0.port } }
    /// `host:port`, as the proxy configuration and its stats name servers.
    package var address: String { "\(host):\(port)" }
    package var description: String { "\(name) (\(address))" }

    // MARK: - Creation

    /// Runs `initdb` for a new server `name` in `baseDirectory/name` and writes its configuration.
    /// The server is not started.
    package static func create(
        name: String,
        in baseDirectory: String,
        options: LocalPostgresOptions = LocalPostgresOptions(),
        binaries: PostgresBinaries? = nil,
        account: ServerAccount? = nil,
        logger: Logger = Logger(label: "switchyard.local")
    ) throws -> LocalPostgres {
        let binaries = try binaries ?? PostgresBinaries.locate()
        let account = try account ?? ServerAccount.current()
        let directory = try makeServerDirectory(name: name, in: baseDirectory, account: account)
        let passwordFile = directory + "/superuser.password"
        try account.writeFile(passwordFile, superuserPassword + "\n")
        defer { try? FileManager.default.removeItem(atPath: passwordFile) }
        var arguments = [
            "-D", directory + "/data", "-U", superuser, "--encoding=UTF8", "--locale=C",
            "--auth-local=trust", "--auth-host=scram-sha-256", "--pwfile=" + passwordFile,
        ]
        if options.fast { arguments.append("--no-sync") }
        try account.command(binaries.initdb, arguments).check(timeout: 120)
        let server = LocalPostgres(
            name: name, directory: directory, port: try options.port ?? FreePort.next(), binaries: binaries,
            account: account, options: options, replicaSettings: [:], logger: logger)
        let mainFile = server.dataDirectory + "/postgresql.conf"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: mainFile))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("\ninclude 'switchyard.conf'\n".utf8))
        try handle.close()
        try server.writeConfiguration()
        logger.debug("created server", metadata: ["server": "\(name)", "directory": "\(directory)"])
        return server
    }

    /// Creates and starts a server; see `create` and `start`.
    package static func launch(
        name: String,
        in baseDirectory: String,
        options: LocalPostgresOptions = LocalPostgresOptions(),
        logger: Logger = Logger(label: "switchyard.local")
    ) throws -> LocalPostgres {
        let server = try create(name: name, in: baseDirectory, options: options, logger: logger)
        try server.start()
        return server
    }

    /// Creates `baseDirectory/name` (and `socket/` inside) for the server account.
    static func makeServerDirectory(name: String, in baseDirectory: String, account: ServerAccount) throws -> String {
        let directory = baseDirectory + "/" + name
        guard !FileManager.default.fileExists(atPath: directory) else {
            throw LocalError.directoryNotUsable(path: directory, reason: "it already exists")
        }
        // A Unix socket path has at most 107 bytes; ".s.PGSQL.NNNNN" takes 15 of them.
        guard (directory + "/socket").utf8.count <= 90 else {
            throw LocalError.directoryNotUsable(path: directory, reason: "the path is too long for a Unix socket")
        }
        try account.makeDirectory(directory)
        try account.makeDirectory(directory + "/socket")
        return directory
    }

    // MARK: - Configuration

    /// Writes `switchyard.conf` and `pg_hba.conf` from the current settings (a running server
    /// needs `reload()` or, for the port, a restart).
    func writeConfiguration() throws {
        let (port, rules, replicaSettings) = state.withLock { ($0.port, $0.hostRules, $0.replicaSettings) }
        let settings = options.settingsFile(
            port: port, socketDirectory: socketDirectory, replicaSettings: replicaSettings)
        try account.writeFile(dataDirectory + "/switchyard.conf", settings)
        try account.writeFile(dataDirectory + "/pg_hba.conf", LocalPostgresOptions.hbaFile(rules: rules))
    }

    /// Makes `role` authenticate with `method` on host connections (SCRAM removes the exception),
    /// rewriting `pg_hba.conf` and reloading a running server.
    package func setHostAuthentication(_ method: HostAuthMethod, forRole role: String) throws {
        state.withLock { state in
            state.hostRules.removeAll { $0.role == role }
            if method != .scramSHA256 { state.hostRules.append(HostAuthRule(role: role, method: method)) }
        }
        try writeConfiguration()
        if isRunning { try reload() }
    }

    /// The per-role host authentication rules in force.
    package var currentHostRules: [HostAuthRule] { state.withLock { $0.hostRules } }

    func updateReplicaSettings(_ change: (inout [String: String]) -> Void) {
        state.withLock { change(&$0.replicaSettings) }
    }

    func changePort(to port: Int) {
        state.withLock { $0.port = port }
    }

    // MARK: - Connection strings

    /// A libpq connection string for this server over TCP.
    package func connectionString(
        user: String = LocalPostgres.superuser,
        password: String? = LocalPostgres.superuserPassword,
        database: String = "postgres",
        extra: [String: String] = [:]
    ) -> String {
        Self.connectionString(host: host, port: port, user: user, password: password, database: database, extra: extra)
    }

    /// A libpq connection string for a server over TCP, TLS off; `nil` leaves a key out.
    package static func connectionString(
        host: String,
        port: Int,
        user: String,
        password: String?,
        database: String?,
        extra: [String: String] = [:]
    ) -> String {
        var parts = [("host", host), ("port", String(port)), ("user", user)]
        if let database { parts.append(("dbname", database)) }
        if let password { parts.append(("password", password)) }
        parts.append(("sslmode", "disable"))
        parts += extra.sorted { $0.key < $1.key }
        return parts.map { "\($0.0)=\(Self.quotedConnectionValue($0.1))" }.joined(separator: " ")
    }

    /// A value in libpq's keyword=value syntax: single-quoted, with `\` and `'` escaped.
    static func quotedConnectionValue(_ value: String) -> String {
        var result = "'"
        for character in value {
            if character == "\\" || character == "'" { result.append("\\") }
            result.append(character)
        }
        return result + "'"
    }
}
