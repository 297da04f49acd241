// CancelRegistry: maps the cancel keys the proxy hands to clients back to their loop and client.
import Synchronization

/// The BackendKeyData the proxy gave each connected client, so that a CancelRequest arriving on
/// any loop finds the client's loop. Touched at login, logout and cancel, never per query.
package final class CancelRegistry: Sendable {
    /// Where a key's client lives.
    package struct Entry: Sendable {
        package var secretKey: Int32
        package var loop: Int
        package var clientID: UInt64
    }

    private let entries = Mutex<[Int32: Entry]>([:])

    package init() {}

    /// Registers a client and returns the process ID to give it (unique among live clients).
    package func register(loop: Int, clientID: UInt64, secretKey: Int32) -> Int32 {
        self.entries.withLock { entries in
            while true {
                let processID = Int32.random(in: 1...Int32.max)
                if entries[processID] == nil {
                    entries[processID] = Entry(secretKey: secretKey, loop: loop, clientID: clientID)
                    return processID
                }
            }
        }
    }

    package func unregister(processID: Int32) {
        _ = self.entries.withLock { $0.removeValue(forKey: processID) }
    }

    /// The client a CancelRequest names, when both halves of the key match.
    package func lookup(processID: Int32, secretKey: Int32) -> Entry? {
        self.entries.withLock { entries in
            guard let entry = entries[processID] else { return nil }
            // Compare without an early exit on the secret, as a matter of habit for secrets.
            return (entry.secretKey ^ secretKey) == 0 ? entry : nil
        }
    }

    package var count: Int { self.entries.withLock { $0.count } }
}
