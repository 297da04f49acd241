// Concurrently: runs blocking client code on many threads at once and gathers what went wrong.
import Foundation
import Synchronization

/// Runs `body(index)` for every index in `0..<count`, each on a thread of its own (libpq calls
/// block, so a thread pool sized to the cores would not make them concurrent), and waits for all.
/// Returns the errors thrown, each with its index.
func concurrently(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) -> [(Int, any Error)] {
    let errors = Mutex<[(Int, any Error)]>([])
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        let thread = Thread {
            defer { group.leave() }
            do { try body(index) } catch { errors.withLock { $0.append((index, error)) } }
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
    group.wait()
    return errors.withLock { $0 }
}

/// A count that threads wait on until it reaches its target (every client connected, say).
final class Barrier: Sendable {
    private let target: Int
    private let arrived = Mutex(0)

    init(_ target: Int) { self.target = target }

    /// Counts this thread in and waits up to `timeout` seconds for the rest; `false` on timeout.
    @discardableResult
    func arriveAndWait(timeout: Double = 60) -> Bool {
        arrived.withLock { $0 += 1 }
        let deadline = Date().addingTimeInterval(timeout)
        while arrived.withLock({ $0 }) < target {
            if Date() > deadline { return false }
            usleep(1000)
        }
        return true
    }
}
