// ProxyModes: the string choices of [proxy] (pool_mode, client_tls, server_tls, log_level).

/// `pool_mode`: how long a client keeps a server connection.
package enum PoolMode: String, ConfigChoice, Sendable {
    /// "In transaction mode a client holds a server connection only for a transaction (or a
    /// pinned session)."
    case transaction
    /// "In session mode a client keeps each server connection it has used (at most one per
    /// cluster and role) until it disconnects; routing is still per statement."
    case session
}

/// `client_tls`: whether clients may or must use TLS (`sslmode`) towards the proxy.
package enum ClientTLSMode: String, ConfigChoice, Sendable {
    /// Refuse TLS: SSLRequest is answered `N` even when a certificate is configured.
    case disable
    /// Accept TLS when a certificate is configured and the client asks; plain connections too.
    case allow
    /// Only TLS connections: a client that does not ask for TLS is refused. Needs
    /// `tls_cert_file` and `tls_key_file`.
    case require
}

/// `server_tls`: TLS "towards servers".
package enum ServerTLSMode: String, ConfigChoice, Sendable {
    /// Never ask servers for TLS.
    case disable
    /// Ask for TLS and fall back to a plain connection when the server declines.
    case prefer
    /// Ask for TLS and fail the connection when the server declines.
    case require
}

/// `log_level`: the least severe messages written to the log.
package enum LogLevel: String, ConfigChoice, Sendable {
    /// Per-statement routing decisions and everything below.
    case debug
    /// Connections, reloads and everything below.
    case info
    /// A server going down, fencing, failed reloads, and errors.
    case warning
    /// Internal errors only.
    case error
}
