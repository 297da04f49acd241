// TLSSettings: the data plane's TLS choices towards clients and towards servers, with their contexts.

/// Whether clients may or must use TLS.
package enum ClientTLSPolicy: Sendable, Equatable {
    /// SSLRequest is answered `N`, also when a certificate is configured.
    case disable
    /// TLS for clients that ask (when a certificate is configured), plaintext for the others.
    case allow
    /// Clients that do not ask for TLS are refused at their StartupMessage.
    case require
}

/// Whether the proxy asks servers for TLS.
package enum ServerTLSPolicy: Sendable, Equatable {
    /// Never: the StartupMessage goes out in plaintext.
    case disable
    /// SSLRequest first; a server answering `N` is used in plaintext.
    case prefer
    /// SSLRequest first; a server answering `N` fails the connection (08006).
    case require
}

/// TLS towards clients: the policy, and the context holding the proxy's certificate.
package struct ClientTLSSettings: Sendable {
    package var policy: ClientTLSPolicy
    /// The server context; `nil` when no certificate is configured.
    package var context: TLSContext?

    package init(policy: ClientTLSPolicy, context: TLSContext?) {
        self.policy = policy
        self.context = context
    }

    /// No TLS for anyone.
    package static let disabled = ClientTLSSettings(policy: .disable, context: nil)

    /// The context to answer an SSLRequest with `S`, or `nil` to answer `N`.
    package var acceptingContext: TLSContext? {
        switch self.policy {
        case .disable: nil
        case .allow, .require: self.context
        }
    }
}

/// TLS towards servers: the policy and the client context (with the CA to verify against, if any).
package struct ServerTLSSettings: Sendable {
    package var policy: ServerTLSPolicy
    /// The client context; `nil` exactly when the policy is `.disable`.
    package var context: TLSContext?

    package init(policy: ServerTLSPolicy, context: TLSContext?) {
        precondition((policy == .disable) == (context == nil), "a TLS policy towards servers needs a context")
        self.policy = policy
        self.context = context
    }

    /// Plaintext to every server.
    package static let disabled = ServerTLSSettings(policy: .disable, context: nil)
}
