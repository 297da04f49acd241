// SSLResponse: what a server's one-byte answer to the proxy's SSLRequest means, for pooled and
// control connections alike.
import SwitchyardIO

/// The meaning of the bytes a server sent after the proxy's SSLRequest.
enum SSLResponse: Equatable {
    /// Nothing has arrived yet.
    case pending
    /// `S` alone: the TLS handshake comes next (the byte is consumed).
    case startTLS
    /// `N` under `server_tls = "prefer"`: the login goes on in plaintext (the byte is consumed;
    /// login messages may follow in the same buffer).
    case plaintext
    /// Anything else: the connection must close with this error.
    case refused(ServerLoginError)

    /// Reads the answer at the front of `buffer`.
    static func read(_ buffer: IOBuffer, policy: ServerTLSPolicy, server: String) -> SSLResponse {
        guard buffer.readableBytes > 0 else { return .pending }
        let answer = buffer.readableView[0]
        switch answer {
        case UInt8(ascii: "S"):
            // Anything after the 'S' came before the handshake, unencrypted: it may have been
            // injected by a man in the middle (CVE-2021-23222), so it is refused, not parsed.
            guard buffer.readableBytes == 1 else {
                return .refused(.protocolViolation(server: server, detail: "received unencrypted data after SSL response"))
            }
            buffer.consume(1)
            return .startTLS
        case UInt8(ascii: "N"):
            guard policy == .prefer else {
                return .refused(.unreachable(server: server, reason: "server does not support SSL, but SSL was required"))
            }
            buffer.consume(1)
            return .plaintext
        default:
            // Typically an ErrorResponse. Nobody has authenticated the peer yet (it may be a man
            // in the middle), so its text is not relayed to clients.
            let shown = (0x21...0x7E).contains(answer) ? "'\(Character(UnicodeScalar(answer)))'" : "byte \(answer)"
            return .refused(.protocolViolation(server: server, detail: "answered the SSL request with \(shown), not S or N"))
        }
    }
}
