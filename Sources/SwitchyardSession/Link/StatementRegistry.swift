// StatementRegistry: one process-wide ID per distinct prepared statement text and parameter types.
import Synchronization

/// Gives every distinct (query, parameter types) a process-wide ID, so that clients preparing the
/// same statement share one server-side statement (`sy_<id>`) on each server connection.
///
/// IDs are never reused. When the registry is full it forgets everything; statements prepared
/// after that get new IDs, and servers simply prepare them again. Consulted only at Parse time.
package final class StatementRegistry: Sendable {
    private struct Key: Hashable {
        var query: [UInt8]
        var parameterTypes: [Int32]
    }

    private struct State {
        var ids: [Key: UInt64] = [:]
        /// Statements some server has prepared successfully at least once.
        var validated: Set<UInt64> = []
        var next: UInt64 = 1
    }

    private let state = Mutex(State())
    private let capacity: Int

    package init(capacity: Int = 100_000) { self.capacity = capacity }

    /// The ID of the statement, assigning a new one on first sight, and whether some server
    /// has already prepared it successfully (so a new Parse of it can be answered without one).
    package func id(query: [UInt8], parameterTypes: [Int32]) -> (id: UInt64, isValidated: Bool) {
        let key = Key(query: query, parameterTypes: parameterTypes)
        return self.state.withLock { state in
            if let id = state.ids[key] { return (id, state.validated.contains(id)) }
            if state.ids.count >= self.capacity {
                state.ids.removeAll()
                state.validated.removeAll()
            }
            let id = state.next
            state.next += 1
            state.ids[key] = id
            return (id, false)
        }
    }

    /// Records that a server prepared statement `id` successfully.
    package func markValidated(_ id: UInt64) {
        self.state.withLock { state in _ = state.validated.insert(id) }
    }

    /// The server-side name of statement `id`.
    package static func serverName(_ id: UInt64) -> String { "sy_\(id)" }
}
