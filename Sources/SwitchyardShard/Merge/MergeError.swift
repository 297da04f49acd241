// MergeError: why shard results cannot be merged, as a SQLSTATE and a PostgreSQL-style message.

import SwitchyardWire

/// A merge that cannot go on. The daemon reports it to the client as an ERROR in place of the
/// result (messages are lower case with no final period, as PostgreSQL's are).
package struct MergeError: Error, Hashable, Sendable {
    package var sqlState: SQLState
    package var message: String

    package init(sqlState: SQLState, message: String) {
        self.sqlState = sqlState
        self.message = message
    }

    /// 0A000: the result has a shape or type the merge cannot combine correctly.
    static func unsupported(_ message: String) -> MergeError {
        MergeError(sqlState: .featureNotSupported, message: "cannot merge results of several shards: \(message)")
    }

    /// XX000: a shard sent something no server should (a malformed row, a different column
    /// list than the other shards).
    static func unexpected(_ message: String) -> MergeError {
        MergeError(sqlState: .internalError, message: message)
    }
}
