// CheckResult: what one good health check established about a server.

/// The answer of one good health check: the server is in recovery (a standby, with its replay
/// position) or not (it accepts writes, with its current WAL insert position and timeline).
///
/// An enum rather than three loose fields, so that a server not in recovery always has the
/// position and timeline that lag and primary election need.
package enum CheckResult: Equatable, Sendable {
    /// `pg_is_in_recovery()` is true. `replayPosition` is `pg_last_wal_replay_lsn()`, nil when
    /// PostgreSQL returns NULL for it.
    case inRecovery(replayPosition: UInt64?)
    /// `pg_is_in_recovery()` is false. `walPosition` is `pg_current_wal_lsn()`; `timeline` is the
    /// timeline of the current WAL segment.
    case notInRecovery(walPosition: UInt64, timeline: Int)

    /// The query the prober runs on its dedicated connection, in the simple query protocol. Its
    /// one row has three text columns: the recovery flag; the replay position on a standby or the
    /// current WAL position otherwise; and, when not in recovery, the timeline, read from the
    /// first 8 hex digits of the current WAL file name.
    package static let query =
        "SELECT pg_catalog.pg_is_in_recovery(), "
        + "CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_last_wal_replay_lsn() "
        + "ELSE pg_catalog.pg_current_wal_lsn() END, "
        + "CASE WHEN pg_catalog.pg_is_in_recovery() THEN NULL "
        + "ELSE ('x' || substr(pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8))::bit(32)::int END"

    /// `pg_is_in_recovery()`.
    package var isInRecovery: Bool {
        switch self {
        case .inRecovery: true
        case .notInRecovery: false
        }
    }

    /// The replay position on a standby, the current WAL position otherwise.
    package var walPosition: UInt64? {
        switch self {
        case .inRecovery(let replayPosition): replayPosition
        case .notInRecovery(let walPosition, _): walPosition
        }
    }

    /// The timeline, known only for a server not in recovery.
    package var timeline: Int? {
        switch self {
        case .inRecovery: nil
        case .notInRecovery(_, let timeline): timeline
        }
    }
}
