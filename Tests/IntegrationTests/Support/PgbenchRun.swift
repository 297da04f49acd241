// PgbenchRun: a pgbench run on a thread of its own while the test changes the proxy, and its report.
import Foundation
import Synchronization
import SwitchyardTesting

/// A `pgbench` started in the background; `finish()` waits for it and reads its summary.
final class PgbenchRun: Sendable {
    /// The figures pgbench prints at the end of a run.
    struct Report: CustomStringConvertible {
        var exitStatus: ExitStatus
        var processed: Int?
        var failed: Int?
        var tps: Double?
        var output: String
        /// pgbench reports aborted clients ("client N aborted in command ...") and a run cut short
        /// ("Run was aborted") on stderr and stdout.
        var abortedClients: Bool { output.contains("aborted") }

        var description: String {
            "exit \(exitStatus), processed \(processed.map(String.init) ?? "?"), failed \(failed.map(String.init) ?? "?"), "
                + "tps \(tps.map { String(format: "%.1f", $0) } ?? "?")\n\(output)"
        }
    }

    let started = Monotonic.now
    private let result = Mutex<Result<CommandResult, any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    /// Starts `pgbench arguments` with `password` in `PGPASSWORD`.
    init(_ arguments: [String], password: String, timeout: Double = 120) {
        let thread = Thread { [self] in
            let outcome = Result { try ClientTools.pgbench(arguments, password: password, timeout: timeout) }
            result.withLock { $0 = outcome }
            done.signal()
        }
        thread.start()
    }

    /// Whether pgbench has exited.
    var isFinished: Bool { result.withLock { $0 != nil } }

    /// Waits up to `timeout` seconds for the end of the run.
    func finish(timeout: Double = 120) throws -> Report {
        guard done.wait(timeout: .now() + timeout) == .success else {
            throw LocalError.timedOut(what: "pgbench", seconds: timeout)
        }
        let run = try result.withLock { $0! }.get()
        let output = run.standardOutput + run.standardError
        return Report(
            exitStatus: run.status,
            processed: output.firstMatch(of: /number of transactions actually processed: (\d+)/).flatMap { Int($0.1) },
            failed: output.firstMatch(of: /number of failed transactions: (\d+)/).flatMap { Int($0.1) },
            tps: output.firstMatch(of: /tps = ([0-9.]+)/).flatMap { Double($0.1) },
            output: output
        )
    }
}
