// Command: runs a program to completion with a timeout and captures what it printed.
import Foundation
import Glibc

/// What a finished command printed and how it ended.
package struct CommandResult: Sendable {
    /// How the process ended.
    package var status: ExitStatus
    /// Everything it wrote to stdout.
    package var standardOutput: String
    /// Everything it wrote to stderr.
    package var standardError: String

    /// Whether it exited with status 0.
    package var succeeded: Bool { status.isSuccess }
}

/// A program invocation: executable, arguments, environment, input.
package struct Command: Sendable {
    package var executable: String
    package var arguments: [String]
    /// Variables set or replaced in the child's environment.
    package var environment: [String: String]
    package var workingDirectory: String?
    /// Text fed to the child's stdin (`nil`: `/dev/null`).
    package var input: String?

    package init(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        workingDirectory: String? = nil,
        input: String? = nil
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.input = input
    }

    /// The command line, for messages.
    package var commandLine: String { ([executable] + arguments).joined(separator: " ") }

    /// Runs the command and waits for it.
    ///
    /// Output goes to unlinked temporary files rather than pipes: a program that daemonizes a child
    /// (as `pg_ctl start` does) cannot then keep us waiting for an end of file.
    /// - Throws: `LocalError.timedOut` after killing the command's process group when it runs longer
    ///   than `timeout` seconds.
    package func run(timeout: Double = 120) throws -> CommandResult {
        let output = try ScratchFile()
        let errors = try ScratchFile()
        let stdin = try input.map { text -> ScratchFile in
            let file = try ScratchFile()
            try file.write(text)
            return file
        }
        let child = try ChildProcess.spawn(
            executable: executable, arguments: arguments, environment: environment,
            workingDirectory: workingDirectory, standardInput: stdin?.descriptor,
            standardOutput: output.descriptor, standardError: errors.descriptor)
        guard let status = child.wait(timeout: timeout) else {
            child.signalGroup(SIGTERM)
            if child.wait(timeout: 2) == nil {
                child.signalGroup(SIGKILL)
                _ = child.wait(timeout: 2)
            }
            throw LocalError.timedOut(what: commandLine, seconds: timeout)
        }
        return CommandResult(status: status, standardOutput: output.contents(), standardError: errors.contents())
    }

    /// Runs the command and returns its stdout; throws when it does not exit with status 0.
    @discardableResult
    package func check(timeout: Double = 120) throws -> String {
        let result = try run(timeout: timeout)
        guard result.succeeded else {
            throw LocalError.commandFailed(
                command: commandLine, status: result.status,
                output: result.standardError + result.standardOutput)
        }
        return result.standardOutput
    }
}

/// An unlinked temporary file held open: it disappears with the descriptor, even after a crash.
private final class ScratchFile {
    let descriptor: Int32

    init() throws {
        var template = Array("/tmp/switchyard-io-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw LocalError.systemCall(name: "mkstemp", errno: errno) }
        // Another thread may spawn before the child gets this descriptor: do not leak it there.
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        unlink(String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self))
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    func write(_ text: String) throws {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw LocalError.systemCall(name: "write", errno: errno)
            }
            bytes = bytes.dropFirst(written)
        }
        lseek(descriptor, 0, SEEK_SET)
    }

    func contents() -> String {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var offset: off_t = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, offset) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            result.append(contentsOf: buffer[0..<count])
            offset += off_t(count)
        }
        return String(decoding: result, as: UTF8.self)
    }
}
