// LocalPostgres+Lifecycle: starting, stopping, restarting, crashing and removing a local server.
import Foundation
import Glibc
import Logging

extension LocalPostgres {
    /// Whether the postmaster of this data directory is alive.
    package var isRunning: Bool { postmasterPID != nil }

    /// The postmaster's process id while it runs.
    package var postmasterPID: pid_t? { LocalRegistry.postmasterPID(dataDirectory: dataDirectory) }

    /// Starts the server with `pg_ctl start -w` and waits until it accepts connections.
    ///
    /// When the server cannot bind its port because another process took it since it was chosen,
    /// a new free port is chosen and the start retried (unless the port was fixed in the options).
    package func start(timeout: Double = 60) throws {
        guard !isRunning else { return }
        for attempt in 1...5 {
            removeStaleLockFiles()
            let logStart = fileSize(logFile)
            let result = try pgCtl(["start", "-w", "-t", "\(Int(timeout))", "-D", dataDirectory, "-l", logFile])
                .run(timeout: timeout + 15)
            if result.succeeded {
                LocalRegistry.shared.serverStarted(name: name, dataDirectory: dataDirectory)
                logger.debug("started server", metadata: ["server": "\(name)", "address": "\(address)"])
                return
            }
            let log = readFile(logFile, from: logStart)
            if options.port == nil && attempt < 5 && log.contains("could not bind") {
                logger.debug("port taken, retrying", metadata: ["server": "\(name)", "port": "\(port)"])
                changePort(to: try FreePort.next())
                try writeConfiguration()
                continue
            }
            // pg_ctl can give up while the postmaster still runs (slow start): leave nothing behind.
            if let pid = postmasterPID { _ = Glibc.kill(pid, SIGQUIT) }
            throw LocalError.serverStartFailed(
                name: name, logTail: String(log.suffix(4000)) + result.standardError + result.standardOutput)
        }
    }

    /// Stops the server with `pg_ctl stop -m mode -w`; a no-op when it is not running.
    package func stop(mode: StopMode = .fast, timeout: Double = 60) throws {
        defer { if !isRunning { LocalRegistry.shared.serverStopped(dataDirectory: dataDirectory) } }
        guard isRunning else { return }
        try pgCtl(["stop", "-w", "-t", "\(Int(timeout))", "-m", mode.rawValue, "-D", dataDirectory])
            .check(timeout: timeout + 15)
        logger.debug("stopped server", metadata: ["server": "\(name)", "mode": "\(mode.rawValue)"])
    }

    /// Stops (fast) and starts the server again.
    package func restart(timeout: Double = 60) throws {
        try stop(mode: .fast, timeout: timeout)
        try start(timeout: timeout)
    }

    /// Kills the postmaster with SIGKILL, as a crash would, and waits until it and its children are
    /// gone. The next `start()` runs crash recovery.
    package func kill(timeout: Double = 10) throws {
        guard let pid = postmasterPID else { return }
        // Children notice the postmaster's death on their own; wait for them too, or the next start
        // finds the old shared memory still in use.
        let children = Self.children(of: pid)
        _ = Glibc.kill(pid, SIGKILL)
        let everyone = [pid] + children
        let deadline = Monotonic.now + timeout
        while everyone.contains(where: ChildProcess.isAlive) {
            guard Monotonic.now < deadline else { throw LocalError.timedOut(what: "kill \(name)", seconds: timeout) }
            usleep(5_000)
        }
        LocalRegistry.shared.serverStopped(dataDirectory: dataDirectory)
    }

    /// Asks a running server to reread its configuration files (`pg_ctl reload`).
    package func reload() throws {
        try pgCtl(["reload", "-D", dataDirectory]).check(timeout: 30)
    }

    /// Stops the server at once (immediate mode) and deletes its directory.
    package func remove() {
        if isRunning { try? stop(mode: .immediate, timeout: 30) }
        if isRunning { try? kill() }
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: - Helpers

    /// `pg_ctl` with `arguments`, run as the server account.
    func pgCtl(_ arguments: [String]) -> Command {
        account.command(binaries.pgCtl, arguments)
    }

    /// Deletes `postmaster.pid` and the socket lock files when their process is gone.
    ///
    /// After a crash the pid in them may belong to a zombie nobody reaps, which the postmaster would
    /// take for a running server and refuse to start.
    private func removeStaleLockFiles() {
        guard postmasterPID == nil else { return }
        try? FileManager.default.removeItem(atPath: dataDirectory + "/postmaster.pid")
        let socketFiles = (try? FileManager.default.contentsOfDirectory(atPath: socketDirectory)) ?? []
        for file in socketFiles where file.hasPrefix(".s.PGSQL.") {
            try? FileManager.default.removeItem(atPath: socketDirectory + "/" + file)
        }
    }

    /// The live processes whose parent is `pid` (a postmaster's backends and auxiliary processes).
    static func children(of pid: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> pid_t? in
            guard let child = pid_t(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            // "pid (comm) state ppid ...": the parent is the second field after the command.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && pid_t(fields[1]) == pid ? child : nil
        }
    }

    private func fileSize(_ path: String) -> UInt64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.uint64Value ?? 0
    }

    func readFile(_ path: String, from offset: UInt64 = 0) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        try? handle.seek(toOffset: offset)
        return String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
    }
}
