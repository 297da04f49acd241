// ProxyFixture: a `switchyard run` in front of the shared primary, with connection helpers for
// clients going through it and for the same clients going straight to the server.
import Foundation
import Glibc
import Synchronization

/// A proxy process under test in front of `TestCluster.shared.primary()`.
///
/// With `isolatedDatabase` (the default) the servers' side of every cluster is a database made
/// for this fixture alone (owned by `app`), so tests running in parallel never see each other's
/// tables or server connections, and `pg_stat_activity` counts exactly this proxy's backends.
/// Clients always ask the proxy for database `app`; `serverDatabase` is the name on the server.
///
/// `stop()` ends the proxy and drops the database; a fixture that is never stopped is killed at
/// process exit (`LocalRegistry`), and its database goes with the server.
package final class ProxyFixture: Sendable {
    package let proxy: ProxyProcess
    package let primary: LocalPostgres
    package let configuration: ProxyConfiguration
    /// The database on the server behind cluster `main` (and every other cluster).
    package let serverDatabase: String
    private let isStopped = Mutex(false)

    /// The proxy's client port.
    package var port: Int { proxy.port }

    private init(proxy: ProxyProcess, primary: LocalPostgres, configuration: ProxyConfiguration, serverDatabase: String)
    {
        self.proxy = proxy
        self.primary = primary
        self.configuration = configuration
        self.serverDatabase = serverDatabase
    }

    /// Creates the server database (if isolated) and starts the proxy, with `environment` added to
    /// its environment (`NOTIFY_SOCKET`, say).
    ///
    /// - Parameter primary: the server of every cluster (and the primary of `main`, whose
    ///   `replicas` replicate it); `nil` for the shared primary. A new database is waited for on
    ///   every running replica, so that the proxy's reads find it there.
    package static func start(
        _ configuration: ProxyConfiguration = ProxyConfiguration(),
        primary: LocalPostgres? = nil,
        environment: [String: String] = [:]
    ) throws -> ProxyFixture {
        let primary = try primary ?? TestCluster.shared.primary()
        var database = TestUser.database
        if configuration.isolatedDatabase {
            database = "proxy_\(UInt32.random(in: 0...UInt32.max))"
            try primary.createDatabase(name: database, owner: TestUser.app.name)
            do {
                for case let replica? in configuration.replicas.map(\.server) where replica.isRunning {
                    try replica.waitUntilCaughtUp(with: primary)
                }
            } catch {
                try? dropDatabase(database, on: primary)
                throw error
            }
        }
        let port = try freePort()
        do {
            let proxy = try ProxyProcess.start(
                config: configuration.toml(port: port, server: primary, serverDatabase: database), port: port,
                environment: environment)
            return ProxyFixture(proxy: proxy, primary: primary, configuration: configuration, serverDatabase: database)
        } catch {
            if configuration.isolatedDatabase { try? dropDatabase(database, on: primary) }
            throw error
        }
    }

    /// Stops the proxy (SIGTERM, then SIGKILL after `timeout` seconds) and drops its database.
    /// Returns how the proxy ended, the first time.
    @discardableResult
    package func stop(timeout: Double = 5) -> ExitStatus? {
        let first = isStopped.withLock { stopped in
            defer { stopped = true }
            return !stopped
        }
        let status = proxy.stop(timeout: timeout)
        if first && configuration.isolatedDatabase { try? Self.dropDatabase(serverDatabase, on: primary) }
        return status
    }

    private static func dropDatabase(_ name: String, on server: LocalPostgres) throws {
        try server.query("DROP DATABASE IF EXISTS \(SQLQuoting.identifier(name)) WITH (FORCE);")
    }

    /// The admin port of the configuration the proxy started with; `nil` when it has none.
    package var adminPort: Int? { configuration.adminPort }

    /// The configuration file text for `configuration` with this fixture's client port and server
    /// database.
    package func configText(_ configuration: ProxyConfiguration) -> String {
        configuration.toml(port: port, server: primary, serverDatabase: serverDatabase)
    }

    /// Replaces the configuration file with `configuration` and sends SIGHUP. The fixture keeps the
    /// configuration it started with (`stop()` drops the database that one made).
    package func reload(_ configuration: ProxyConfiguration) throws {
        try proxy.reload(config: configText(configuration))
    }

    // MARK: - Connecting

    /// A libpq connection string for the proxy.
    package func conninfo(
        user: String = TestUser.app.name,
        password: String? = TestUser.app.password,
        database: String? = TestUser.database,
        extra: [String: String] = [:]
    ) -> String {
        LocalPostgres.connectionString(
            host: "127.0.0.1", port: port, user: user, password: password, database: database, extra: extra)
    }

    /// The same connection string, straight to the primary and its database behind the proxy.
    package func directConninfo(
        user: String = TestUser.app.name,
        password: String? = TestUser.app.password,
        extra: [String: String] = [:]
    ) -> String {
        LocalPostgres.connectionString(
            host: primary.host, port: primary.port, user: user, password: password, database: serverDatabase,
            extra: extra)
    }

    /// Connects through the proxy.
    package func connect(
        user: String = TestUser.app.name,
        password: String? = TestUser.app.password,
        database: String? = TestUser.database,
        extra: [String: String] = [:],
        timeout: Double = 10
    ) throws -> PGConnection {
        try PGConnection(conninfo(user: user, password: password, database: database, extra: extra), timeout: timeout)
    }

    /// Connects straight to the primary, to the database behind the proxy.
    package func connectDirect(
        user: String = TestUser.app.name,
        password: String? = TestUser.app.password,
        extra: [String: String] = [:]
    ) throws -> PGConnection {
        try PGConnection(directConninfo(user: user, password: password, extra: extra))
    }

    /// Connects straight to `server` (a replica of the primary, say), to the database behind the proxy.
    package func connectDirect(
        to server: LocalPostgres,
        user: String = TestUser.app.name,
        password: String? = TestUser.app.password
    ) throws -> PGConnection {
        try PGConnection(server.connectionString(user: user, password: password, database: serverDatabase))
    }

    /// `psql`/`pgbench` arguments that reach the proxy as `user`, database `app`.
    package func clientArguments(user: String = TestUser.app.name) -> [String] {
        ["-h", "127.0.0.1", "-p", String(port), "-U", user, TestUser.database]
    }

    /// `psql`/`pgbench` arguments that reach the primary directly, database `serverDatabase`.
    package func directClientArguments(user: String = TestUser.app.name) -> [String] {
        ["-h", primary.host, "-p", String(primary.port), "-U", user, serverDatabase]
    }

    // MARK: - Observing

    /// The `application_name`s of the proxy's own sessions on servers (health checks, recovery of
    /// prepared transactions), as an SQL list for `NOT IN`: they are not pooled connections.
    package static let controlApplicationNames = "('switchyard health check', 'switchyard recovery')"

    /// Client backends connected to `serverDatabase` on the primary now (the proxy's server
    /// connections when the database is isolated), as `pg_stat_activity` shows them, leaving out
    /// `excluding` (the test's own direct connections) and the proxy's own control sessions.
    package func serverBackendCount(excluding: [Int32] = []) throws -> Int {
        let excluded = (excluding + [0]).map(String.init).joined(separator: ", ")
        let text = try primary.query(
            """
            SELECT count(*) FROM pg_stat_activity
            WHERE datname = \(SQLQuoting.literal(serverDatabase)) AND backend_type = 'client backend'
              AND pid NOT IN (\(excluded)) AND application_name NOT IN \(Self.controlApplicationNames)
            """)
        guard let count = Int(text) else {
            throw LocalError.commandFailed(command: "count", status: .exited(0), output: text)
        }
        return count
    }

    /// The proxy's resident set size in kB (`VmRSS` in `/proc/PID/status`).
    package func residentKilobytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(proxy.pid)/status", encoding: .utf8) else { return nil }
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }
}
