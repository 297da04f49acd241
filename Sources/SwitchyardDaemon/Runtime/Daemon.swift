// Daemon: starts the event loops, listeners, health checks and admin port, and orchestrates
// reload and graceful shutdown.
import Dispatch
import Glibc
import Logging
import Synchronization
import SwitchyardAdmin
import SwitchyardConfig
import SwitchyardIO

/// The version reported by `--version`, the admin port and the console.
package enum SwitchyardVersion {
    package static let current = "0.1.0"
}

/// The write end of the signal pipe, set once before any handler is installed.
private nonisolated(unsafe) var signalPipeWriteEnd: Int32 = -1

/// The signal handler: async-signal-safe, it only writes the signal number into the pipe.
private func forwardSignalToPipe(_ number: Int32) {
    let saved = errno
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(signalPipeWriteEnd, &byte, 1)
    errno = saved
}

/// The running proxy: `workers` loops, each with its own listener on the client address.
package final class Daemon: Sendable {
    package let shared: DaemonShared
    let configPath: String
    private let done = DispatchSemaphore(value: 0)
    let control = DispatchQueue(label: "switchyard.control")
    /// Written once by `installSignalHandlers` before any signal can arrive; kept only to stay alive.
    private nonisolated(unsafe) var signalSources: [any DispatchSourceRead] = []
    private let stoppedLoops = Atomic<Int>(0)
    let isShuttingDown = Atomic<Bool>(false)
    let loadedConfig: Mutex<Config>
    /// When the configuration was loaded (Unix seconds), and reload counts.
    let reloadStatus: Mutex<StatsSnapshot.ConfigStatus>
    /// Monotonic start time, for uptime.
    let startedAt = monotonicNanoseconds()
    let notifier = SystemdNotifier.fromEnvironment()
    private let adminServer = Mutex<AdminHTTPServer?>(nil)
    /// Clusters paused by PAUSE, for stats (each loop keeps its own copy for routing).
    let pausedClusters = Mutex<Set<String>>([])

    private init(config: Config, runtime: RuntimeConfig, logger: Logger) {
        self.shared = DaemonShared(config: runtime, logger: logger)
        self.configPath = config.path
        self.loadedConfig = Mutex(config)
        self.reloadStatus = Mutex(StatsSnapshot.ConfigStatus(path: config.path, loadedAt: Int(time(nil))))
    }

    /// Starts serving `config`. Throws when an address cannot be bound.
    package static func start(config: Config, logger: Logger) throws -> Daemon {
        let runtime = try RuntimeConfig(config)
        let daemon = Daemon(config: config, runtime: runtime, logger: logger)
        let limit = System.raiseOpenFileLimit(to: runtime.maxClientConnections * 2 + 1024)
        logger.info("open file limit", metadata: ["limit": "\(limit)"])
        var contexts: [LoopBound<LoopContext>] = []
        for index in 0..<runtime.workers {
            let loop = try EventLoop(index: index)
            contexts.append(
                loop.queue.sync {
                    let context = LoopContext(loop: loop, shared: daemon.shared, config: runtime, logger: logger)
                    context.startJanitor()
                    let bound = LoopBound(context, loop: loop)
                    daemon.shared.register(bound)
                    return bound
                })
        }
        daemon.shared.prober = try HealthProber(shared: daemon.shared, config: runtime)
        daemon.shared.admin = daemon
        if let admin = config.proxy.adminListen {
            guard let address = SocketAddress(numericHost: admin.host, port: admin.port) else {
                throw ResolutionError(host: admin.host, reason: "not a numeric address")
            }
            let server = try AdminHTTPServer.start(
                configuration: AdminHTTPServer.Configuration(address: address),
                handler: AdminRouter(operations: daemon, token: config.proxy.adminToken),
                logger: logger
            )
            daemon.adminServer.withLock { $0 = server }
        }
        // Client listeners last: once the client port accepts, the admin port is open too.
        for bound in contexts {
            var failure: (any Error)?
            bound.loop.queue.sync {
                let context = bound.value
                do {
                    context.listener = try Listener(context: context, address: runtime.listen)
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
        }
        logger.info(
            "listening",
            metadata: ["listen": "\(runtime.listen)", "workers": "\(runtime.workers)", "config.path": "\(config.path)"]
        )
        return daemon
    }

    /// Handles SIGTERM/SIGINT (graceful shutdown) and SIGHUP (reload) from now on.
    ///
    /// The handlers are installed with sigaction before this returns, so no signal sent after
    /// READY=1 is lost or kills the process: each handler writes the signal number into a pipe,
    /// and a read source on the control queue acts on it (the pipe keeps signals that arrive
    /// before the source is listening).
    package func installSignalHandlers() {
        signal(SIGPIPE, SIG_IGN)
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            self.shared.logger.critical("cannot create the signal pipe: \(String(cString: strerror(errno)))")
            exit(1)
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        signalPipeWriteEnd = fds[1]
        let readEnd = fds[0]
        for number in [SIGTERM, SIGINT, SIGHUP] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = forwardSignalToPipe
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(number, &action, nil)
        }
        let source = DispatchSource.makeReadSource(fileDescriptor: readEnd, queue: self.control)
        source.setEventHandler { [self] in
            var numbers = [UInt8](repeating: 0, count: 64)
            while true {
                let count = numbers.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
                guard count > 0 else { break }
                for number in numbers[0..<count] {
                    if Int32(number) == SIGHUP { _ = self.reloadNow() } else { self.shutdown() }
                }
            }
        }
        source.activate()
        self.signalSources = [source]
        // Ready only now: systemd may send SIGHUP or SIGTERM as soon as it hears READY=1.
        _ = self.notifier.ready(status: "listening on \(self.shared.config.listen)")
    }

    /// Blocks until shutdown has finished.
    package func waitUntilStopped() {
        self.done.wait()
    }

    // MARK: - Reload

    /// Reads the configuration file again; a valid one replaces the running one, an invalid one
    /// is reported (every problem as `FILE:LINE: message`) and counted, and changes nothing.
    /// Blocking (file, name resolution): call it off the loops.
    package func reloadNow() -> AdminOutcome {
        let logger = self.shared.logger
        _ = self.notifier.reloading()
        defer { _ = self.notifier.ready() }
        let outcome = self.loadAndApply()
        self.reloadStatus.withLock { status in
            if outcome.isSuccess {
                status.reloads += 1
                status.loadedAt = Int(time(nil))
            } else {
                status.reloadFailures += 1
            }
        }
        if outcome.isSuccess {
            logger.info("configuration reloaded", metadata: ["config.path": "\(self.configPath)"])
        } else {
            for line in outcome.messages {
                logger.error("reload failed: \(line)", metadata: ["config.path": "\(self.configPath)"])
            }
        }
        return outcome
    }

    private func loadAndApply() -> AdminOutcome {
        let config: Config
        do {
            config = try ConfigFile.load(self.configPath)
        } catch {
            return .failed(error.lines)
        }
        let runtime: RuntimeConfig
        do {
            runtime = try RuntimeConfig(config, previous: self.shared.config)
        } catch {
            return .failed(["\(self.configPath): \(error)"])
        }
        let old = self.loadedConfig.withLock { $0 }
        let diff = ConfigDiff(old: old, new: config)
        for key in diff.restartRequiredKeys {
            self.shared.logger.warning("changing this key needs a restart; the old value stays in force", metadata: ["key": "\(key)"])
        }
        var applied = runtime
        applied.listen = self.shared.config.listen
        applied.workers = self.shared.config.workers
        self.shared.config = applied
        self.loadedConfig.withLock { $0 = config }
        let snapshot = applied
        self.shared.postToAll { context in context.apply(snapshot) }
        self.shared.prober?.apply(snapshot)
        if old.proxy.adminToken != config.proxy.adminToken {
            self.adminServer.withLock { $0?.setHandler(AdminRouter(operations: self, token: config.proxy.adminToken)) }
        }
        // Certificate files are read again on every reload: say which certificate is now served.
        if let certificate = applied.clientTLS.context?.certificateSummary {
            self.shared.logger.info("TLS certificate loaded", metadata: ["certificate": "\(certificate)"])
        }
        return .done("configuration reloaded from \(self.configPath)")
    }

    // MARK: - Shutdown

    /// Stops accepting, lets transactions finish for shutdown_timeout_ms, then closes clients
    /// with 57P01; `waitUntilStopped` returns once every loop is done.
    package func shutdown() {
        guard !self.isShuttingDown.exchange(true, ordering: .relaxed) else { return }
        _ = self.notifier.stopping()
        let config = self.shared.config
        self.shared.logger.info("shutting down", metadata: ["timeout.ms": "\(config.shutdownTimeoutMs)"])
        let deadline = monotonicNanoseconds() &+ UInt64(config.shutdownTimeoutMs) * 1_000_000
        let loops = self.shared.loopCount
        self.shared.postToAll { [self] context in
            context.beginShutdown(deadline: deadline) {
                if self.stoppedLoops.add(1, ordering: .relaxed).newValue == loops {
                    let server = self.adminServer.withLock { server in
                        defer { server = nil }
                        return server
                    }
                    self.control.async {
                        // No health check or recovery login is left running when the process exits.
                        self.shared.prober?.stop()
                        server?.stop()
                        self.shared.logger.info("stopped")
                        self.done.signal()
                    }
                }
            }
        }
    }
}
