// DaemonLogging: one log line per event on standard error, at the configured level.
import Logging
import SwitchyardConfig

/// Sets up swift-log for the daemon.
package enum DaemonLogging {
    /// Installs the standard-error handler (once per process) and returns the daemon's logger.
    package static func bootstrap(level: LogLevel) -> Logger {
        let logLevel: Logger.Level
        switch level {
        case .debug: logLevel = .debug
        case .info: logLevel = .info
        case .warning: logLevel = .warning
        case .error: logLevel = .error
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = logLevel
            return handler
        }
        var logger = Logger(label: "switchyard")
        logger.logLevel = logLevel
        return logger
    }
}
