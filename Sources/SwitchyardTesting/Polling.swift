// Polling: waits for a condition that becomes true asynchronously (replication, process exit).
import Glibc

/// Checks `condition` every `interval` seconds until it holds or `timeout` seconds pass; returns
/// whether it held. Errors thrown by `condition` count as "not yet" until the deadline, where the
/// last one is rethrown.
package func waitUntil(timeout: Double = 10, interval: Double = 0.02, _ condition: () throws -> Bool) throws -> Bool {
    let deadline = Monotonic.now + timeout
    while true {
        do {
            if try condition() { return true }
        } catch {
            if Monotonic.now >= deadline { throw error }
        }
        if Monotonic.now >= deadline { return false }
        usleep(useconds_t(interval * 1_000_000))
    }
}
