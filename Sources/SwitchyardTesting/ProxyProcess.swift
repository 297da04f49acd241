// ProxyProcess: runs the built `switchyard` executable as a daemon under test (`run --config FILE`).
import Foundation
import Glibc
import Synchronization

/// A `switchyard run` process started from a configuration text.
///
/// The configuration is written to `config.toml` in a temporary directory of its own, and stdout
/// and stderr both go to `output.log` there. The process is registered with `LocalRegistry`, so it
/// is killed at exit even when a test fails; tests should still `stop()` it in a `defer`.
package final class ProxyProcess: Sendable {
    /// The daemon's process id.
    package var pid: pid_t { child.pid }
    /// The client port waited for at start.
    package let port: Int
    package let directory: String
    package var configPath: String { directory + "/config.toml" }
    package var outputPath: String { directory + "/output.log" }

    private let child: ChildProcess
    private let exitStatus = Mutex<ExitStatus?>(nil)

    private init(child: ChildProcess, port: Int, directory: String) {
        self.child = child
        self.port = port
        self.directory = directory
    }

    /// Starts `executable run --config FILE` with `config` as the file's text and waits until
    /// 127.0.0.1:`port` accepts TCP connections.
    ///
    /// - Parameters:
    ///   - executable: the program; default `ProxyProcess.locateExecutable()`.
    ///   - arguments: extra arguments after `--config FILE`.
    /// - Throws: `LocalError.timedOut` (after killing it) when the port does not open in `timeout`
    ///   seconds, `LocalError.commandFailed` with its output when it exits first.
    package static func start(
        config: String,
        port: Int,
        executable: String? = nil,
        arguments: [String] = [],
        environment: [String: String] = [:],
        timeout: Double = 15
    ) throws -> ProxyProcess {
        let executable = try executable ?? locateExecutable()
        let directory = try makeDirectory()
        try config.write(toFile: directory + "/config.toml", atomically: true, encoding: .utf8)
        let output = open(directory + "/output.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw LocalError.systemCall(name: "open output.log", errno: errno) }
        defer { close(output) }
        let child = try ChildProcess.spawn(
            executable: executable, arguments: ["run", "--config", directory + "/config.toml"] + arguments,
            environment: environment, standardOutput: output, standardError: output)
        LocalRegistry.shared.childStarted(child.pid)
        let proxy = ProxyProcess(child: child, port: port, directory: directory)
        let deadline = Monotonic.now + timeout
        while !Self.accepts(port: port) {
            if let status = proxy.waitForExit(timeout: 0) {
                throw LocalError.commandFailed(command: child.commandLine, status: status, output: proxy.output())
            }
            guard Monotonic.now < deadline else {
                _ = proxy.stop(timeout: 2)
                throw LocalError.timedOut(
                    what: "\(child.commandLine) listening on port \(port)\n\(proxy.output())", seconds: timeout)
            }
            usleep(10_000)
        }
        return proxy
    }

    /// Everything the process wrote to stdout and stderr so far.
    package func output() -> String {
        (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }

    /// Sends `signal` (e.g. `SIGHUP`) to the process.
    package func signal(_ signal: Int32) {
        child.signal(signal)
    }

    /// Replaces the configuration file's text and sends SIGHUP.
    package func reload(config: String) throws {
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        signal(SIGHUP)
    }

    /// Whether the process has not exited yet.
    package var isRunning: Bool { waitForExit(timeout: 0) == nil }

    /// Waits up to `timeout` seconds for the process to exit; `nil` if it is still running.
    package func waitForExit(timeout: Double) -> ExitStatus? {
        exitStatus.withLock { status in
            if status == nil, let ended = child.wait(timeout: timeout) {
                status = ended
                LocalRegistry.shared.childEnded(child.pid)
            }
            return status
        }
    }

    /// Sends SIGTERM, waits up to `timeout` seconds, then SIGKILLs the process group; returns how
    /// the process ended (`nil` only if even SIGKILL did not end it).
    @discardableResult
    package func stop(timeout: Double = 10) -> ExitStatus? {
        if let status = waitForExit(timeout: 0) { return status }
        child.signal(SIGTERM)
        if let status = waitForExit(timeout: timeout) { return status }
        child.signalGroup(SIGKILL)
        return waitForExit(timeout: 5)
    }

    // MARK: - Locating the executable

    /// The built `switchyard`: `$SWITCHYARD_BINARY`, else beside the running test binary, else
    /// `.build/debug/switchyard` in the package.
    package static func locateExecutable(filePath: String = #filePath) throws -> String {
        var candidates: [String] = []
        if let explicit = ProcessInfo.processInfo.environment["SWITCHYARD_BINARY"], !explicit.isEmpty {
            candidates.append(explicit)
        }
        if let running = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            // SwiftPM puts test bundles and executables in the same build directory.
            var directory = (running as NSString).deletingLastPathComponent
            if directory.hasSuffix(".xctest") { directory = (directory as NSString).deletingLastPathComponent }
            candidates.append(directory + "/switchyard")
        }
        // filePath is <package>/Sources/SwitchyardTesting/ProxyProcess.swift.
        let packageRoot = URL(fileURLWithPath: filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
        candidates.append(packageRoot + "/.build/debug/switchyard")
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw LocalError.commandFailed(
                command: "switchyard", status: .exited(127),
                output: "executable not found; looked at " + candidates.joined(separator: ", "))
        }
        return found
    }

    private static func makeDirectory() throws -> String {
        var template = Array("/tmp/switchyard-proxy-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw LocalError.systemCall(name: "mkdtemp", errno: errno)
        }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        LocalRegistry.shared.temporaryDirectoryCreated(path)
        return path
    }

    /// Whether a TCP connection to 127.0.0.1:`port` succeeds now.
    static func accepts(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
