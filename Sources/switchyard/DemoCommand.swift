// `switchyard demo`: local PostgreSQL servers (primary, streaming replica, two shards) and the proxy in front.
import ArgumentParser
import Glibc
import Logging
import SwitchyardConfig
import SwitchyardCrypto
import SwitchyardDaemon
import SwitchyardLocal

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start local PostgreSQL servers and the proxy in front of them; Ctrl-C stops everything."
    )

    @Option(name: .long, help: ArgumentHelp("Directory for the servers (default: a new temporary one).", valueName: "DIR"))
    var dir: String?

    @Option(name: .long, help: "The proxy's client port.")
    var port: Int = 6432

    @Option(name: .long, help: "The proxy's admin HTTP port.")
    var adminPort: Int = 6480

    func run() throws {
        initializeOpenSSLWithoutExitCleanup()
        let logger = DaemonLogging.bootstrap(level: .info)
        print("Starting PostgreSQL servers (primary, streaming replica, two shards)...")
        let environment = try DemoEnvironment.start(directory: self.dir, proxyPort: self.port, adminPort: self.adminPort)
        let daemon: Daemon
        do {
            let config = try ConfigFile.load(environment.configPath)
            daemon = try Daemon.start(config: config, logger: logger)
        } catch {
            environment.stop()
            print("could not start the proxy: \(error)")
            throw ExitCode(1)
        }
        daemon.installSignalHandlers()
        print(
            """

            Switchyard is running on 127.0.0.1:\(self.port) with the configuration \(environment.configPath).
            Try it:

                psql "\(environment.dsn)"

            Reads go to the replica, writes to the primary; table "orders" is sharded over two servers.
            Press Ctrl-C to stop the proxy and every server it started.

            """
        )
        fflush(nil)
        daemon.waitUntilStopped()
        environment.stop()
        print("Stopped.")
    }
}
