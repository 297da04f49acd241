// HealthEvent: what a health input changed, for the daemon to log, count and act on.

/// One consequence of a health input. Servers are indices in configured order.
///
/// Every input returns its events in this order: per server in index order its state change
/// (`serverDown`, `serverUp`, `serverFenced`, `serverUnfenced`), then `primaryChanged`, then lag
/// events in server order, then `promote`.
package enum HealthEvent: Equatable, Sendable {
    /// The server failed enough checks: no new traffic goes to it.
    case serverDown(server: Int)
    /// A good check after the server was down. If it must be fenced, `serverFenced` follows.
    case serverUp(server: Int)
    /// The server is not in recovery while another primary serves (or is believed to): no
    /// traffic. Also emitted again when a fenced server's reason changes. Log it loudly.
    case serverFenced(server: Int, reason: FenceReason)
    /// A fenced server takes traffic again.
    case serverUnfenced(server: Int, reason: UnfenceReason)
    /// The cluster's primary is now `new` (nil: none; writes wait, then fail with 08006).
    case primaryChanged(old: Int?, new: Int?)
    /// The replica's lag went above `max_replica_lag_bytes`: no reads until it catches up.
    case lagExceeded(server: Int, lagBytes: UInt64)
    /// A replica whose lag was above the limit is within it again.
    case lagRecovered(server: Int, lagBytes: UInt64)
    /// Run `SELECT pg_catalog.pg_promote()` on this server (`promote = "auto"`), then check it at
    /// once. Report `promotionFailed` if the call fails, returns false or times out; no other
    /// promotion is asked for until then or until a primary appears.
    case promote(server: Int)
}
