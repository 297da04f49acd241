// Daemon: starts the event loops and listeners, and orchestrates reload and graceful shutdown.
import Dispatch
import Glibc
import Logging
import Synchronization
import SwitchyardConfig
import SwitchyardIO

/// The running proxy: `workers` loops, each with its own listener on the client address.
package final class Daemon: Sendable {
    package let shared: DaemonShared
    private let configPath: String
    private let done = DispatchSemaphore(value: 0)
    private let control = DispatchQueue(label: "switchyard.control")
    /// Written once by `installSignalHandlers` before any signal can arrive; kept only to stay alive.
    private nonisolated(unsafe) var signalSources: [any DispatchSourceSignal] = []
    private let stoppedLoops = Atomic<Int>(0)
    private let isShuttingDown = Atomic<Bool>(false)
    private let loadedConfig: Mutex<Config>

    private init(config: Config, runtime: RuntimeConfig, logger: Logger) {
        self.shared = DaemonShared(config: runtime, logger: logger)
        self.configPath = config.path
        self.loadedConfig = Mutex(config)
    }

    /// Starts serving `config`. Throws when the listening address cannot be bound.
    package static func start(config: Config, logger: Logger) throws -> Daemon {
        let runtime = try RuntimeConfig(config)
        let daemon = Daemon(config: config, runtime: runtime, logger: logger)
        let limit = System.raiseOpenFileLimit(to: runtime.maxClientConnections * 2 + 1024)
        logger.info("open file limit", metadata: ["limit": "\(limit)"])
        for index in 0..<runtime.workers {
            let loop = try EventLoop(index: index)
            var failure: (any Error)?
            loop.queue.sync {
                let context = LoopContext(loop: loop, shared: daemon.shared, config: runtime, logger: logger)
                do {
                    context.listener = try Listener(context: context, address: runtime.listen)
                    context.startJanitor()
                    daemon.shared.register(LoopBound(context, loop: loop))
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
        }
        daemon.shared.prober = try HealthProber(shared: daemon.shared, config: runtime)
        logger.info(
            "listening",
            metadata: ["listen": "\(runtime.listen)", "workers": "\(runtime.workers)", "config.path": "\(config.path)"]
        )
        return daemon
    }

    /// Handles SIGTERM/SIGINT (graceful shutdown) and SIGHUP (reload) from now on.
    package func installSignalHandlers() {
        signal(SIGPIPE, SIG_IGN)
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGTERM, SIGINT, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: self.control)
            source.setEventHandler { [self] in
                if number == SIGHUP { self.reload() } else { self.shutdown() }
            }
            source.activate()
            sources.append(source)
        }
        self.signalSources = sources
    }

    /// Blocks until shutdown has finished.
    package func waitUntilStopped() {
        self.done.wait()
    }

    // MARK: - Reload

    /// Reads the configuration file again; a valid one replaces the running one.
    @discardableResult
    package func reload() -> Bool {
        let logger = self.shared.logger
        let config: Config
        do {
            config = try ConfigFile.load(self.configPath)
        } catch {
            for line in error.lines { logger.error("reload failed: \(line)", metadata: ["config.path": "\(self.configPath)"]) }
            return false
        }
        let runtime: RuntimeConfig
        do {
            runtime = try RuntimeConfig(config, previous: self.shared.config)
        } catch {
            logger.error("reload failed", metadata: ["config.path": "\(self.configPath)", "error": "\(error)"])
            return false
        }
        let old = self.loadedConfig.withLock { $0 }
        let diff = ConfigDiff(old: old, new: config)
        for key in diff.restartRequiredKeys {
            logger.warning("changing this key needs a restart", metadata: ["key": "\(key)"])
        }
        var applied = runtime
        applied.listen = self.shared.config.listen
        applied.workers = self.shared.config.workers
        self.shared.config = applied
        self.loadedConfig.withLock { $0 = config }
        let snapshot = applied
        self.shared.postToAll { context in context.apply(snapshot) }
        self.shared.prober?.apply(snapshot)
        logger.info("configuration reloaded", metadata: ["config.path": "\(self.configPath)"])
        // Certificate files are read again on every reload: say which certificate is now served.
        if let certificate = applied.clientTLS.context?.certificateSummary {
            logger.info("TLS certificate loaded", metadata: ["certificate": "\(certificate)"])
        }
        return true
    }

    // MARK: - Shutdown

    /// Stops accepting, lets transactions finish for shutdown_timeout_ms, then closes clients
    /// with 57P01; `waitUntilStopped` returns once every loop is done.
    package func shutdown() {
        guard !self.isShuttingDown.exchange(true, ordering: .relaxed) else { return }
        let config = self.shared.config
        self.shared.logger.info("shutting down", metadata: ["timeout.ms": "\(config.shutdownTimeoutMs)"])
        let deadline = monotonicNanoseconds() &+ UInt64(config.shutdownTimeoutMs) * 1_000_000
        let loops = self.shared.loopCount
        self.shared.postToAll { [self] context in
            context.beginShutdown(deadline: deadline) {
                if self.stoppedLoops.add(1, ordering: .relaxed).newValue == loops {
                    self.shared.prober?.stop()
                    self.shared.logger.info("stopped")
                    self.done.signal()
                }
            }
        }
    }
}
