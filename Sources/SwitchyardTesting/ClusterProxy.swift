// ClusterProxy: a `switchyard run` in front of a whole replication group, with its admin port, for
// tests that stop, promote and delay servers behind the proxy.
import Foundation

/// A proxy process under test in front of every server of a (throwaway) `LocalCluster`.
///
/// Unlike `ProxyFixture` it makes no database of its own: the cluster belongs to the test, whose
/// clients use database `app` on it. `stop()` ends the proxy; it is killed at process exit
/// otherwise (`LocalRegistry`).
package final class ClusterProxy: Sendable {
    package let proxy: ProxyProcess
    package let configuration: ClusterProxyConfiguration
    /// The admin HTTP port (`/stats`).
    package let adminPort: Int

    /// The client port.
    package var port: Int { proxy.port }

    private init(proxy: ProxyProcess, configuration: ClusterProxyConfiguration, adminPort: Int) {
        self.proxy = proxy
        self.configuration = configuration
        self.adminPort = adminPort
    }

    /// Starts the proxy and waits until both its client and admin ports accept connections.
    package static func start(_ configuration: ClusterProxyConfiguration) throws -> ClusterProxy {
        let port = try freePort()
        let adminPort = try freePort()
        let proxy = try ProxyProcess.start(config: configuration.toml(port: port, adminPort: adminPort), port: port)
        let fixture = ClusterProxy(proxy: proxy, configuration: configuration, adminPort: adminPort)
        do {
            guard try waitUntil(timeout: 10, { (try? ProxyStats.fetch(adminPort: adminPort)) != nil }) else {
                throw LocalError.timedOut(what: "admin port \(adminPort)\n\(proxy.output())", seconds: 10)
            }
        } catch {
            proxy.stop(timeout: 2)
            throw error
        }
        return fixture
    }

    /// Stops the proxy (SIGTERM, then SIGKILL after `timeout` seconds).
    @discardableResult
    package func stop(timeout: Double = 5) -> ExitStatus? {
        proxy.stop(timeout: timeout)
    }

    // MARK: - Clients

    /// A libpq connection string for the proxy (database `app` unless told).
    package func conninfo(
        user: String = TestUser.app.name,
        password: String = TestUser.app.password,
        database: String = TestUser.database
    ) -> String {
        LocalPostgres.connectionString(host: "127.0.0.1", port: port, user: user, password: password, database: database)
    }

    /// Connects through the proxy as `app`.
    package func connect(timeout: Double = 10) throws -> PGConnection {
        try PGConnection(conninfo(), timeout: timeout)
    }

    /// Connects to the admin console (database `switchyard`) as the admin user.
    package func connectConsole() throws -> PGConnection {
        let admin = ClusterProxyConfiguration.adminUser
        return try PGConnection(conninfo(user: admin.name, password: admin.password, database: "switchyard"))
    }

    /// `psql`/`pgbench` arguments that reach the proxy as `app`, database `app`.
    package func clientArguments() -> [String] {
        ["-h", "127.0.0.1", "-p", String(port), "-U", TestUser.app.name, TestUser.database]
    }

    // MARK: - Observing

    /// The `/stats` document now.
    package func stats() throws -> ProxyStats {
        try ProxyStats.fetch(adminPort: adminPort)
    }

    /// Cluster `main` of `/stats` now.
    package func mainCluster() throws -> ProxyStats.Cluster {
        guard let cluster = try stats().cluster("main") else {
            throw LocalError.commandFailed(command: "GET /stats", status: .exited(0), output: "no cluster main")
        }
        return cluster
    }

    /// Waits up to `timeout` seconds until `condition` holds for cluster `main` in `/stats`;
    /// returns whether it did.
    package func waitForStats(timeout: Double = 15, _ condition: (ProxyStats.Cluster) -> Bool) throws -> Bool {
        try waitUntil(timeout: timeout, interval: 0.05) { condition(try mainCluster()) }
    }
}
