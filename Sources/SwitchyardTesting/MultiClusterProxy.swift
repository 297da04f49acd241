// MultiClusterProxy: a `switchyard run` in front of several clusters, which a test may kill and
// start again on the same configuration and ports (crash and recovery tests).
import Foundation
import Glibc
import Synchronization

/// A proxy process under test for a `MultiClusterConfiguration`.
///
/// The servers and their databases belong to the test. `stop()` ends the proxy; it is killed at
/// process exit otherwise (`LocalRegistry`).
package final class MultiClusterProxy: Sendable {
    package let configuration: MultiClusterConfiguration
    /// The client port, the same across restarts.
    package let port: Int
    /// The admin HTTP port (`/stats`), the same across restarts.
    package let adminPort: Int
    private let process: Mutex<ProxyProcess>
    /// The logs of earlier runs (before `kill()`/`restart()`), for failure messages.
    private let earlierOutput = Mutex("")

    private init(configuration: MultiClusterConfiguration, port: Int, adminPort: Int, process: ProxyProcess) {
        self.configuration = configuration
        self.port = port
        self.adminPort = adminPort
        self.process = Mutex(process)
    }

    /// The running (or last) process.
    package var proxy: ProxyProcess { process.withLock { $0 } }

    /// Starts the proxy and waits until its health checks have seen every configured server up.
    package static func start(_ configuration: MultiClusterConfiguration, timeout: Double = 20) throws -> MultiClusterProxy {
        let port = try freePort()
        let adminPort = try freePort()
        let process = try ProxyProcess.start(config: configuration.toml(port: port, adminPort: adminPort), port: port)
        let proxy = MultiClusterProxy(configuration: configuration, port: port, adminPort: adminPort, process: process)
        do {
            try proxy.waitUntilEveryServerIsUp(timeout: timeout)
        } catch {
            process.stop(timeout: 2)
            throw error
        }
        return proxy
    }

    /// Stops the proxy (SIGTERM, then SIGKILL after `timeout` seconds).
    @discardableResult
    package func stop(timeout: Double = 5) -> ExitStatus? {
        proxy.stop(timeout: timeout)
    }

    /// Kills the proxy with SIGKILL, as a crash would, and waits until it is gone.
    package func kill() throws {
        let process = proxy
        process.signal(SIGKILL)
        guard process.waitForExit(timeout: 10) != nil else {
            throw LocalError.timedOut(what: "switchyard (pid \(process.pid)) exiting after SIGKILL", seconds: 10)
        }
    }

    /// Starts the proxy again on the same configuration file text and ports (after `kill()` or
    /// `stop()`), and waits until its health checks have seen every server up.
    package func restart(timeout: Double = 20) throws {
        let old = proxy
        if old.isRunning { old.stop(timeout: 5) }
        earlierOutput.withLock { $0 += old.output() + "\n--- restarted ---\n" }
        // The listening port may linger a moment after the kill; start retries until it is free.
        let deadline = Monotonic.now + timeout
        var started: ProxyProcess?
        while started == nil {
            do {
                started = try ProxyProcess.start(config: configuration.toml(port: port, adminPort: adminPort), port: port)
            } catch {
                guard Monotonic.now < deadline else { throw error }
                usleep(200_000)
            }
        }
        process.withLock { $0 = started! }
        try waitUntilEveryServerIsUp(timeout: timeout)
    }

    /// Everything every run of the proxy logged so far.
    package func output() -> String {
        earlierOutput.withLock { $0 } + proxy.output()
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

    // MARK: - Observing

    /// The `/stats` document now.
    package func stats() throws -> ProxyStats {
        try ProxyStats.fetch(adminPort: adminPort)
    }

    /// Waits until `/stats` shows every configured server of every cluster up.
    package func waitUntilEveryServerIsUp(timeout: Double = 20) throws {
        let expected = configuration.clusters.map { ($0.name, $0.servers.count) }
        let up = try waitUntil(timeout: timeout, interval: 0.05) {
            guard let stats = try? self.stats() else { return false }
            return expected.allSatisfy { name, count in
                guard let cluster = stats.cluster(name) else { return false }
                return cluster.servers.count == count && cluster.servers.allSatisfy { $0.state == "up" }
            }
        }
        guard up else {
            throw LocalError.timedOut(what: "every server up in /stats\n\(String(output().suffix(4000)))", seconds: timeout)
        }
    }
}
