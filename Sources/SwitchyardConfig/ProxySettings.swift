// ProxySettings: the typed [proxy] table (listeners, limits, timeouts, TLS, logging).

/// The `[proxy]` table. Durations are integer milliseconds, as in the file.
package struct ProxySettings: Equatable, Sendable {
    /// `listen`: "client port (PostgreSQL protocol)". Changing it needs a restart.
    package var listen: ListenAddress
    /// `admin_listen`: "admin port (HTTP)"; nil when the file says `""` ("" disables).
    package var adminListen: ListenAddress?
    /// `admin_token`: "if set, POST endpoints need `Authorization: Bearer <token>`"; nil when "".
    package var adminToken: String?
    /// `workers`: "event-loop threads; 0 = number of CPU cores".
    package var workers: Int
    /// `pool_mode`: "transaction" or "session".
    package var poolMode: PoolMode
    /// `max_client_connections`: more clients than this get 53300.
    package var maxClientConnections: Int
    /// `client_login_timeout_ms`: "startup + auth must finish in this time"; 0 = no limit.
    package var clientLoginTimeoutMs: Int
    /// `query_wait_timeout_ms`: "longest wait for a server connection, then an error";
    /// 0 = wait without limit.
    package var queryWaitTimeoutMs: Int
    /// `idle_transaction_timeout_ms`: "0 = no limit".
    package var idleTransactionTimeoutMs: Int
    /// `shutdown_timeout_ms`: "SIGTERM: drain in-flight transactions this long"; 0 = close
    /// clients at once.
    package var shutdownTimeoutMs: Int
    /// `max_message_bytes`: "larger frontend messages: 08P01 and close".
    package var maxMessageBytes: Int
    /// `tls_cert_file` and `tls_key_file`: "set both to accept sslmode=require clients"; nil
    /// when both are "".
    package var tlsCertificate: TLSCertificateFiles?
    /// `client_tls`: "disable" | "allow" | "require" towards clients.
    package var clientTLS: ClientTLSMode
    /// `server_tls`: "disable" | "prefer" | "require" towards servers.
    package var serverTLS: ServerTLSMode
    /// `server_tls_ca_file`: CA certificates that server certificates are verified against; nil
    /// when "" (then server certificates are not verified).
    package var serverTLSCAFile: String?
    /// `server_connect_timeout_ms`: longest time to connect and log in to a server; 0 = no
    /// limit of our own.
    package var serverConnectTimeoutMs: Int
    /// `server_idle_timeout_ms`: idle server connections above `min_pool_size` are closed after
    /// this long; 0 = never.
    package var serverIdleTimeoutMs: Int
    /// `max_prepared_statements`: prepared statements cached per server connection.
    package var maxPreparedStatements: Int
    /// `log_level`: "debug" | "info" | "warning" | "error".
    package var logLevel: LogLevel
}

/// The certificate and private key the proxy presents to clients that ask for TLS.
package struct TLSCertificateFiles: Equatable, Sendable {
    /// `tls_cert_file`: PEM certificate (chain).
    package var certFile: String
    /// `tls_key_file`: PEM private key.
    package var keyFile: String
}
