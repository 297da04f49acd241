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
    /// Loops waiting for a connection, each with the ticket of its longest-waiting client.
    private let wants = Mutex<[(loop: Int, ticket: UInt64)]>([])
    private let tickets = Atomic<UInt64>(1)

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

    /// A process-wide, increasing number for a client that starts waiting: the order in which
    /// waiting clients of every loop are served.
    package func nextTicket() -> UInt64 { self.tickets.add(1, ordering: .relaxed).oldValue }

    /// Records (or updates) that loop `index` needs a connection it cannot open itself, for a
    /// client waiting since `ticket`.
    package func addWant(loop index: Int, ticket: UInt64) {
        self.wants.withLock { wants in
            if let position = wants.firstIndex(where: { $0.loop == index }) {
                wants[position].ticket = ticket
            } else {
                wants.append((index, ticket))
            }
            self.wantCount.store(wants.count, ordering: .relaxed)
        }
    }

    /// Withdraws loop `index`'s request.
    package func removeWant(loop index: Int) {
        self.wants.withLock { wants in
            wants.removeAll { $0.loop == index }
            self.wantCount.store(wants.count, ordering: .relaxed)
        }
    }

    /// Takes the request, from a loop other than `index`, whose client has waited longest —
    /// only if it waited longer than `ticket` (pass `.max` to take it in any case).
    package func popWant(excluding index: Int, olderThan ticket: UInt64 = .max) -> Int? {
        self.wants.withLock { wants in
            var best: Int?
            for (position, want) in wants.enumerated() where want.loop != index && want.ticket < ticket {
                if best == nil || want.ticket < wants[best!].ticket { best = position }
            }
            guard let position = best else { return nil }
            let loop = wants.remove(at: position).loop
            self.wantCount.store(wants.count, ordering: .relaxed)
            return loop
        }
    }
}
