// PGCanceller: sends a CancelRequest for a connection's running statement, from any thread.
import CLibPQ

/// A handle that cancels the statement running on one connection (`PQgetCancel`/`PQcancel`).
///
/// libpq documents `PQcancel` as safe to call from any thread (even a signal handler) while the
/// connection is in use elsewhere; the handle is immutable after creation, hence `Sendable`.
package final class PGCanceller: @unchecked Sendable {
    private let handle: OpaquePointer

    init?(connection: OpaquePointer) {
        guard let handle = PQgetCancel(connection) else { return nil }
        self.handle = handle
    }

    deinit { PQfreeCancel(handle) }

    /// Sends the CancelRequest. Success means it was delivered, not that anything was cancelled.
    package func cancel() throws {
        var buffer = [CChar](repeating: 0, count: 256)
        guard PQcancel(handle, &buffer, Int32(buffer.count)) == 1 else {
            let text = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            throw PGError(kind: .client, message: String(decoding: text, as: UTF8.self))
        }
    }
}
