// ChildProcess: starts a program with posix_spawn, waits for it with a deadline, signals it.
import Foundation
import Glibc

/// How a child process ended.
package enum ExitStatus: Equatable, Sendable, CustomStringConvertible {
    /// It called `exit` with this status.
    case exited(Int32)
    /// A signal ended it.
    case signaled(Int32)

    /// Whether it exited with status 0.
    package var isSuccess: Bool { self == .exited(0) }

    package var description: String {
        switch self {
        case .exited(let code): return "exit status \(code)"
        case .signaled(let signal): return "killed by signal \(signal)"
        }
    }
}

/// A program started by this process.
///
/// The child gets its own process group, so that a terminal's Ctrl-C reaches only us (we then
/// clean up in order) and so that a timed-out command can be killed together with its children.
package struct ChildProcess: Sendable {
    /// The child's process id (also its process group id).
    package let pid: pid_t
    /// The command line, for messages.
    package let commandLine: String

    /// Starts `executable` with `arguments`.
    ///
    /// - Parameters:
    ///   - environment: variables to set or replace in the child; the rest is inherited.
    ///   - workingDirectory: the child's current directory (default: inherited).
    ///   - standardInput: a descriptor for the child's stdin; `nil` gives it `/dev/null`.
    ///   - standardOutput: a descriptor for stdout; `nil` inherits ours.
    ///   - standardError: a descriptor for stderr; `nil` inherits ours.
    package static func spawn(
        executable: String,
        arguments: [String],
        environment: [String: String] = [:],
        workingDirectory: String? = nil,
        standardInput: Int32? = nil,
        standardOutput: Int32? = nil,
        standardError: Int32? = nil
    ) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let standardInput {
            posix_spawn_file_actions_adddup2(&actions, standardInput, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        if let standardOutput { posix_spawn_file_actions_adddup2(&actions, standardOutput, 1) }
        if let standardError { posix_spawn_file_actions_adddup2(&actions, standardError, 2) }
        // Descriptors we hold must not leak into servers that outlive the command.
        SpawnExtensions.closeFrom(&actions, 3)
        if let workingDirectory, !SpawnExtensions.changeDirectory(&actions, workingDirectory) {
            throw LocalError.systemCall(name: "posix_spawn_file_actions_addchdir_np", errno: ENOSYS)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT] { sigaddset(&defaultSignals, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        let commandLine = ([executable] + arguments).joined(separator: " ")
        guard result == 0 else {
            throw LocalError.commandFailed(
                command: commandLine, status: .exited(127),
                output: "cannot start: \(String(cString: strerror(result)))")
        }
        return ChildProcess(pid: pid, commandLine: commandLine)
    }

    /// Waits until the child ends; `nil` when `timeout` seconds pass first.
    package func wait(timeout: Double? = nil) -> ExitStatus? {
        let deadline = timeout.map { Monotonic.now + $0 }
        var pause: useconds_t = 500
        while true {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return Self.decode(status) }
            if result < 0 && errno != EINTR {
                // Someone else reaped it; all we know is that it is gone.
                return .exited(-1)
            }
            if let deadline, Monotonic.now >= deadline { return nil }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
    }

    /// Sends `signal` to the child.
    package func signal(_ signal: Int32) {
        _ = Glibc.kill(pid, signal)
    }

    /// Sends `signal` to the child's whole process group.
    package func signalGroup(_ signal: Int32) {
        _ = Glibc.kill(-pid, signal)
    }

    /// Whether a process exists and has not exited.
    ///
    /// A zombie counts as exited: servers started through `pg_ctl` are orphans, and where PID 1
    /// does not reap orphans their exit leaves a zombie that `kill(pid, 0)` still reports.
    package static func isAlive(_ pid: pid_t) -> Bool {
        guard pid > 0, Glibc.kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else {
            return true
        }
        // Format: "pid (comm) S ...": the state follows the last ')'.
        guard let close = stat.lastIndex(of: ")") else { return true }
        let state = stat[stat.index(after: close)...].drop(while: { $0 == " " }).first
        return state != "Z" && state != "X"
    }

    private static func decode(_ status: Int32) -> ExitStatus {
        let signal = status & 0x7f
        if signal == 0 { return .exited((status >> 8) & 0xff) }
        return .signaled(signal)
    }
}

/// glibc's posix_spawn extensions, found at run time: Swift's Glibc module does not declare them.
private enum SpawnExtensions {
    private typealias AddChangeDirectory =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    static func changeDirectory(_ actions: inout posix_spawn_file_actions_t, _ path: String) -> Bool {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addchdir_np") else { return false }
        return unsafeBitCast(symbol, to: AddChangeDirectory.self)(&actions, path) == 0
    }

    static func closeFrom(_ actions: inout posix_spawn_file_actions_t, _ lowest: Int32) {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return }
        _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, lowest)
    }
}

/// Seconds on the monotonic clock, for deadlines.
package enum Monotonic {
    package static var now: Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
