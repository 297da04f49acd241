// LocalError: what can go wrong while running local PostgreSQL servers, with enough context to act on.

/// A failure of a local server operation: a missing binary, a command that failed, a timeout.
package enum LocalError: Error, CustomStringConvertible, Sendable {
    /// No PostgreSQL server binaries were found; the payload lists where we looked.
    case binariesNotFound(searched: [String])
    /// Running as root needs an unprivileged account for the servers, and it does not exist.
    case serverAccountMissing(String)
    /// A directory the servers must use is not reachable by the account that runs them.
    case directoryNotUsable(path: String, reason: String)
    /// A command exited unsuccessfully.
    case commandFailed(command: String, status: ExitStatus, output: String)
    /// A command or a wait did not finish in time.
    case timedOut(what: String, seconds: Double)
    /// A system call failed.
    case systemCall(name: String, errno: Int32)
    /// A server did not start; `logTail` is the end of its log file.
    case serverStartFailed(name: String, logTail: String)
    /// The operation needs a running server.
    case notRunning(name: String)
    /// No free TCP port was found on 127.0.0.1 in the search range.
    case noFreePort

    package var description: String {
        switch self {
        case .binariesNotFound(let searched):
            return "PostgreSQL server binaries (initdb, pg_ctl) not found; looked in: "
                + searched.joined(separator: ", ")
                + ". Install the PostgreSQL server package or put pg_config on PATH."
        case .serverAccountMissing(let name):
            return "running as root, but there is no '\(name)' user to run PostgreSQL servers as"
        case .directoryNotUsable(let path, let reason):
            return "directory \(path) cannot be used for PostgreSQL servers: \(reason)"
        case .commandFailed(let command, let status, let output):
            let trimmed = output.trimmingTrailingWhitespace()
            return "command failed (\(status)): \(command)" + (trimmed.isEmpty ? "" : "\n\(trimmed)")
        case .timedOut(let what, let seconds):
            return "timed out after \(seconds) s: \(what)"
        case .systemCall(let name, let errno):
            return "\(name) failed: errno \(errno)"
        case .serverStartFailed(let name, let logTail):
            return "server \(name) did not start; end of its log:\n\(logTail)"
        case .notRunning(let name):
            return "server \(name) is not running"
        case .noFreePort:
            return "no free TCP port found on 127.0.0.1"
        }
    }
}

extension String {
    /// The string without trailing spaces and newlines (command output usually ends with one).
    package func trimmingTrailingWhitespace() -> String {
        var view = Substring(self)
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }
}
