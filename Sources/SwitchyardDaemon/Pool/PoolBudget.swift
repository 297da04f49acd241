// PoolBudget: the process-wide cap on server connections of one pool, shared by every loop.
import Synchronization

/// Counts the open server connections of one pool across all loops against `pool_size`, and
/// keeps the list of loops waiting for a connection that another loop could hand over.
///
/// Touched when a connection opens or closes and when a loop runs short, never per message.
package final class PoolBudget: Sendable {
    private let limit: Atomic<Int>
    private let open = Atomic<Int>(0)
    private let wantCount = Atomic<Int>(0)
    private let wants = Mutex<[Int]>([])

    package init(limit: Int) { self.limit = Atomic(limit) }

    package var openCount: Int { self.open.load(ordering: .relaxed) }
    package var currentLimit: Int { self.limit.load(ordering: .relaxed) }

    package func setLimit(_ value: Int) { self.limit.store(value, ordering: .relaxed) }

    /// Reserves one connection; `false` when the pool is at its limit.
    package func tryAcquire() -> Bool {
        var current = self.open.load(ordering: .relaxed)
        while current < self.limit.load(ordering: .relaxed) {
            let (exchanged, original) = self.open.compareExchange(
                expected: current,
                desired: current + 1,
                ordering: .acquiringAndReleasing
            )
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// Gives back one reservation (a connection closed or failed to open).
    package func release() { self.open.subtract(1, ordering: .relaxed) }

    /// Whether some loop waits for a handed-over connection (a cheap check before locking).
    package var hasWants: Bool { self.wantCount.load(ordering: .relaxed) > 0 }

    /// Records that loop `index` needs a connection it cannot open itself.
    package func addWant(loop index: Int) {
        self.wants.withLock { wants in
            guard !wants.contains(index) else { return }
            wants.append(index)
            self.wantCount.store(wants.count, ordering: .relaxed)
        }
    }

    /// Withdraws loop `index`'s request.
    package func removeWant(loop index: Int) {
        self.wants.withLock { wants in
            wants.removeAll { $0 == index }
            self.wantCount.store(wants.count, ordering: .relaxed)
        }
    }

    /// Takes the oldest request from a loop other than `index`.
    package func popWant(excluding index: Int) -> Int? {
        self.wants.withLock { wants in
            guard let position = wants.firstIndex(where: { $0 != index }) else { return nil }
            let loop = wants.remove(at: position)
            self.wantCount.store(wants.count, ordering: .relaxed)
            return loop
        }
    }
}
