// SpanningTransactionStream: clients that each run, over and over, a transaction inserting the
// same id on main and on users, recording which commits were acknowledged and where each client
// stood when its connection broke.
import Foundation
import SwitchyardTesting
import Synchronization

/// `clients` threads, each looping `BEGIN; INSERT INTO app_log; INSERT INTO auth_log; COMMIT`
/// with ids of its own, until `stop()` and its connection breaks (or it is told to stop while
/// idle). Ids are `base + client * 100_000 + n`.
final class SpanningTransactionStream: Sendable {
    /// Where a client's transaction stood when its connection broke.
    enum Step: String, Sendable {
        case begin = "BEGIN", firstInsert = "INSERT main", secondInsert = "INSERT users", commit = "COMMIT"
    }

    private struct Record {
        var attempted: Set<Int64> = []
        var acknowledged: Set<Int64> = []
        /// Transactions whose connection broke, and at which step.
        var broken: [(id: Int64, step: Step)] = []
        /// Other errors (a server refusing a statement): none are expected.
        var errors: [String] = []
    }

    private let conninfo: String
    private let base: Int64
    private let clients: Int
    private let record = Mutex(Record())
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(conninfo: String, base: Int64, clients: Int) {
        self.conninfo = conninfo
        self.base = base
        self.clients = clients
    }

    func start() {
        let thread = Thread { [self] in
            let failures = concurrently(clients) { [self] client in try self.run(client: client) }
            record.withLock { record in record.errors += failures.map { "client \($0.0): \($0.1)" } }
            finished.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Tells every client to stop after its current transaction, and waits for them.
    func stop(timeout: Double = 30) -> Bool {
        stopping.store(true, ordering: .relaxed)
        return finished.wait(timeout: .now() + timeout) == .success
    }

    var attempted: Set<Int64> { record.withLock { $0.attempted } }
    var acknowledged: Set<Int64> { record.withLock { $0.acknowledged } }
    var broken: [(id: Int64, step: Step)] { record.withLock { $0.broken } }
    var errors: [String] { record.withLock { $0.errors } }

    /// Waits until `count` commits were acknowledged.
    func waitForAcknowledgements(_ count: Int, timeout: Double) -> Bool {
        (try? waitUntil(timeout: timeout, interval: 0.01) { record.withLock { $0.acknowledged.count } >= count }) ?? false
    }

    private func run(client: Int) throws {
        let connection = try PGConnection(conninfo, timeout: 10)
        defer { connection.close() }
        var next = base + Int64(client) * 100_000
        while !stopping.load(ordering: .relaxed) {
            next += 1
            let id = next
            record.withLock { _ = $0.attempted.insert(id) }
            var step = Step.begin
            do {
                _ = try connection.exec("BEGIN")
                step = .firstInsert
                _ = try connection.exec("INSERT INTO app_log (id) VALUES (\(id))")
                step = .secondInsert
                _ = try connection.exec("INSERT INTO auth_log (id) VALUES (\(id))")
                step = .commit
                let tag = try connection.exec("COMMIT").commandTag
                record.withLock { record in
                    if tag == "COMMIT" { record.acknowledged.insert(id) } else { record.errors.append("\(id): COMMIT answered \(tag)") }
                }
                // Commits that flush together finish together; a pause of varying length keeps
                // the clients from moving through the commit phases in step.
                usleep(useconds_t.random(in: 0...150_000))
            } catch {
                guard connection.isHealthy else {
                    record.withLock { $0.broken.append((id, step)) }
                    return
                }
                record.withLock { $0.errors.append("\(id) at \(step.rawValue): \(error)") }
                _ = try? connection.exec("ROLLBACK")
            }
        }
    }
}
