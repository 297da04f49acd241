// LocalRegistry: remembers every server, child process and temporary directory this process started,
// and removes them all at exit, on request, or on SIGINT/SIGTERM.
import Dispatch
import Foundation
import Glibc
import Synchronization

/// The process-wide list of what must not outlive this process.
///
/// Servers register when they start and leave when stopped; `stopAll()` runs at exit (`atexit`,
/// installed on first use). A crash skips `atexit`, so temporary directories record their owner's
/// pid, and `reapOrphans()` later stops the servers of owners that are gone. Callers should still
/// stop what they start in a `defer`: the registry is the safety net, not the plan.
package final class LocalRegistry: Sendable {
    /// The registry of this process.
    package static let shared = LocalRegistry()

    private struct State {
        var servers: [String: String] = [:]  // data directory -> server name
        var children: Set<pid_t> = []
        var temporaryDirectories: [String] = []
        var exitHookInstalled = false
    }

    private let state = Mutex(State())
    private let signalSources = Mutex<[any DispatchSourceSignal]>([])

    private init() {}

    // MARK: - Registration

    /// Records a running server by its data directory.
    package func serverStarted(name: String, dataDirectory: String) {
        installExitHook()
        state.withLock { $0.servers[dataDirectory] = name }
    }

    /// Forgets a server that was stopped.
    package func serverStopped(dataDirectory: String) {
        _ = state.withLock { $0.servers.removeValue(forKey: dataDirectory) }
    }

    /// Records a child process (killed with its process group at exit).
    package func childStarted(_ pid: pid_t) {
        installExitHook()
        _ = state.withLock { $0.children.insert(pid) }
    }

    /// Forgets a child process that ended.
    package func childEnded(_ pid: pid_t) {
        _ = state.withLock { $0.children.remove(pid) }
    }

    /// Records a directory to delete at exit.
    package func temporaryDirectoryCreated(_ path: String) {
        installExitHook()
        state.withLock { $0.temporaryDirectories.append(path) }
    }

    /// Forgets a directory that its owner removed.
    package func temporaryDirectoryRemoved(_ path: String) {
        state.withLock { $0.temporaryDirectories.removeAll { $0 == path } }
    }

    // MARK: - Cleanup

    /// Kills registered children, stops every registered server at once (immediate shutdown, as
    /// `pg_ctl stop -m immediate` does: SIGQUIT to the postmaster), waits for them, and deletes the
    /// temporary directories.
    package func stopAll() {
        let (servers, children, directories) = state.withLock { state in
            defer { state = State(exitHookInstalled: state.exitHookInstalled) }
            return (state.servers, state.children, state.temporaryDirectories)
        }
        for pid in children where ChildProcess.isAlive(pid) { _ = kill(-pid, SIGKILL) }
        let postmasters = servers.keys.compactMap { Self.postmasterPID(dataDirectory: $0) }
        Self.quit(postmasters)
        for directory in directories { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// Makes SIGINT and SIGTERM run `stopAll()` and then end the process with that signal.
    ///
    /// Opt-in: a daemon that handles these signals itself must not call this, and should call
    /// `stopAll()` (or stop its servers) on its own shutdown path instead.
    package func installSignalHandlers() {
        signalSources.withLock { sources in
            guard sources.isEmpty else { return }
            for number in [SIGINT, SIGTERM] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler {
                    LocalRegistry.shared.stopAll()
                    signal(number, SIG_DFL)
                    // To the process, not this thread: Dispatch worker threads block signals.
                    kill(getpid(), number)
                }
                source.resume()
                sources.append(source)
            }
        }
    }

    /// Stops the servers and deletes the directories left by processes that died without cleaning up
    /// (a crashed test run). Only directories whose recorded owner is gone are touched.
    package func reapOrphans(in parent: String = "/tmp") {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
        for name in names where name.hasPrefix(BaseDirectory.prefix) {
            let directory = parent + "/" + name
            guard let owner = BaseDirectory.owner(of: directory), !ChildProcess.isAlive(owner) else { continue }
            let serverDirectories = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            let postmasters = serverDirectories.compactMap { server -> pid_t? in
                let dataDirectory = directory + "/" + server + "/data"
                guard let pid = Self.postmasterPID(dataDirectory: dataDirectory) else { return nil }
                // Signal only a postmaster of that very data directory, never a recycled pid.
                let commandLine = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
                return commandLine.contains(dataDirectory) ? pid : nil
            }
            Self.quit(postmasters)
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    // MARK: - Helpers

    /// The postmaster's pid from `postmaster.pid` when that process is alive.
    package static func postmasterPID(dataDirectory: String) -> pid_t? {
        guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8),
            let line = text.split(separator: "\n").first, let pid = pid_t(line.trimmingCharacters(in: .whitespaces)),
            ChildProcess.isAlive(pid)
        else { return nil }
        return pid
    }

    /// SIGQUIT (immediate shutdown) to each postmaster, then SIGKILL to those alive after 10 s.
    private static func quit(_ postmasters: [pid_t]) {
        for pid in postmasters { _ = kill(pid, SIGQUIT) }
        let deadline = Monotonic.now + 10
        while postmasters.contains(where: ChildProcess.isAlive) && Monotonic.now < deadline { usleep(10_000) }
        for pid in postmasters where ChildProcess.isAlive(pid) { _ = kill(pid, SIGKILL) }
    }

    private func installExitHook() {
        let needed = state.withLock { state in
            defer { state.exitHookInstalled = true }
            return !state.exitHookInstalled
        }
        if needed { atexit { LocalRegistry.shared.stopAll() } }
    }
}
