// SequentialWriter: a client inserting increasing ids through the proxy on a thread of its own,
// reconnecting after errors, and recording which inserts were acknowledged and when.
import Foundation
import SwitchyardTesting
import Synchronization

/// Inserts ids 1, 2, 3, ... into `failover_writes (id)` in autocommit, one statement at a time,
/// until stopped. Every attempt uses a new id, so an insert whose outcome the client never
/// learned (its connection broke) is simply never counted as acknowledged.
final class SequentialWriter: Sendable {
    /// An insert the proxy reported as committed, and when the answer arrived (`Monotonic.now`).
    struct Acknowledgement: Sendable {
        var id: Int
        var at: Double
    }

    /// A failed attempt: when, and what the client saw.
    struct Failure: Sendable {
        var at: Double
        var error: String
    }

    private struct Record {
        var acknowledged: [Acknowledgement] = []
        var failures: [Failure] = []
        var attempts = 0
        var lastAttemptedID = 0
        var connections = 0
    }

    private let conninfo: String
    private let pause: Double
    private let record = Mutex(Record())
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    /// - Parameter pause: seconds between two inserts, to keep the load modest on a shared machine.
    init(conninfo: String, pause: Double = 0.005) {
        self.conninfo = conninfo
        self.pause = pause
    }

    /// Starts the writing thread.
    func start() {
        let thread = Thread { [self] in
            defer { finished.signal() }
            run()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Stops writing and waits for the thread (its statement in flight ends first). Safe to call
    /// again: a finished thread leaves the semaphore signalled.
    func stop(timeout: Double = 30) {
        stopping.store(true, ordering: .relaxed)
        if finished.wait(timeout: .now() + timeout) == .success { finished.signal() }
    }

    var acknowledged: [Acknowledgement] { record.withLock { $0.acknowledged } }
    var failures: [Failure] { record.withLock { $0.failures } }
    var attempts: Int { record.withLock { $0.attempts } }
    /// How many times the writer connected (1 + reconnections).
    var connections: Int { record.withLock { $0.connections } }

    /// The id of the latest insert sent (or about to be); later ones have higher ids.
    var lastAttemptedID: Int { record.withLock { $0.lastAttemptedID } }

    /// The first acknowledgement that arrived after `time`.
    func firstAcknowledgement(after time: Double) -> Acknowledgement? {
        record.withLock { $0.acknowledged.first { $0.at > time } }
    }

    /// The first acknowledgement of an insert with an id above `id`.
    func firstAcknowledgement(afterID id: Int) -> Acknowledgement? {
        record.withLock { $0.acknowledged.first { $0.id > id } }
    }

    /// Waits until `count` inserts were acknowledged after `time`; returns whether they were.
    func waitForAcknowledgements(_ count: Int, after time: Double, timeout: Double) -> Bool {
        (try? waitUntil(timeout: timeout, interval: 0.01) {
            record.withLock { $0.acknowledged.count { $0.at > time } } >= count
        }) ?? false
    }

    private func run() {
        var connection: PGConnection?
        var nextID = 1
        while !stopping.load(ordering: .relaxed) {
            do {
                if connection == nil {
                    connection = try PGConnection(conninfo, timeout: 5)
                    record.withLock { $0.connections += 1 }
                }
                let id = nextID
                nextID += 1
                record.withLock {
                    $0.attempts += 1
                    $0.lastAttemptedID = id
                }
                _ = try connection!.exec("INSERT INTO failover_writes (id) VALUES (\(id))")
                let now = Monotonic.now
                record.withLock { $0.acknowledged.append(Acknowledgement(id: id, at: now)) }
                usleep(useconds_t(pause * 1_000_000))
            } catch {
                let now = Monotonic.now
                record.withLock { $0.failures.append(Failure(at: now, error: "\(error)")) }
                if connection?.isHealthy != true {
                    connection?.close()
                    connection = nil
                }
                usleep(20_000)
            }
        }
        connection?.close()
    }
}
