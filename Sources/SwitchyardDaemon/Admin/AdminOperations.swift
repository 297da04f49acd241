// AdminOperations: what the admin port asks of the daemon, and the request handler the server calls.
import SwitchyardAdmin

/// The daemon's side of the admin port. Each operation answers through a completion, called once
/// on any thread: gathering stats means posting to every loop and merging their replies, and a
/// reload reads a file, neither of which may block the admin loop.
package protocol AdminOperations: Sendable {
    /// A snapshot merged from every loop.
    func statsSnapshot(_ completion: @escaping @Sendable (StatsSnapshot) -> Void)
    /// Reads the configuration file again (SIGHUP, console RELOAD).
    func reload(_ completion: @escaping @Sendable (AdminOutcome) -> Void)
    /// Holds new transactions of `cluster`, or of every cluster when `nil`.
    func pause(cluster: String?, _ completion: @escaping @Sendable (AdminOutcome) -> Void)
    /// Lets them go again.
    func resume(cluster: String?, _ completion: @escaping @Sendable (AdminOutcome) -> Void)
    /// Whether new clients are accepted (false once shutdown has begun): `GET /health`.
    var isAccepting: Bool { get }
}

/// Turns a parsed request into a response. Called on the admin loop; `respond` may be called later
/// from any thread, exactly once.
package protocol AdminRequestHandler: Sendable {
    func handle(_ request: AdminRequest, respond: @escaping @Sendable (AdminResponse) -> Void)
}
