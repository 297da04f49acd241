// `switchyard run`: the daemon in the foreground until SIGTERM or SIGINT.
import ArgumentParser
import Logging
import SwitchyardConfig
import SwitchyardCrypto
import SwitchyardDaemon

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the proxy in the foreground."
    )

    @OptionGroup var configPath: ConfigPathOption

    func run() throws {
        initializeOpenSSLWithoutExitCleanup()
        let config: Config
        do {
            config = try self.configPath.loadConfig()
        } catch {
            for line in error.lines { print(line) }
            throw ExitCode(1)
        }
        let logger = DaemonLogging.bootstrap(level: config.proxy.logLevel)
        let daemon: Daemon
        do {
            daemon = try Daemon.start(config: config, logger: logger)
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
        daemon.installSignalHandlers()
        daemon.waitUntilStopped()
    }
}
