// ServerLoginError: why the proxy could not open a server connection, as clients will see it.
import SwitchyardSession
import SwitchyardWire

/// A failed server connect or login. Clients waiting for that server see it once their wait ends.
enum ServerLoginError: ClientFacingError, Equatable {
    /// The connect failed or the connection dropped during login.
    case unreachable(server: String, reason: String)
    /// The server answered the login with an error (bad credentials, unknown database, too many connections).
    case rejected(server: String, fields: BackendMessage.ErrorFields)
    /// The proxy could not answer the server's authentication request.
    case authentication(server: String, AuthFailure)
    /// The server asked for a method the proxy does not implement.
    case unsupportedAuthentication(server: String, method: String)
    /// The server broke the protocol.
    case protocolViolation(server: String, detail: String)
    /// The login did not finish within server_connect_timeout_ms.
    case timedOut(server: String)

    /// The client-facing form of a login machine's failure.
    init(_ failure: ServerLoginMachine.Failure, server: String) {
        switch failure {
        case .rejected(let fields): self = .rejected(server: server, fields: fields)
        case .authentication(let failure): self = .authentication(server: server, failure)
        case .unsupportedMethod(let method): self = .unsupportedAuthentication(server: server, method: method)
        case .protocolViolation(let detail): self = .protocolViolation(server: server, detail: detail)
        }
    }

    var sqlState: SQLState {
        switch self {
        case .rejected(_, let fields): return fields.sqlState ?? .connectionFailure
        case .unreachable, .authentication, .unsupportedAuthentication, .protocolViolation, .timedOut:
            return .connectionFailure
        }
    }

    var severity: ErrorSeverity { .error }

    var message: String {
        switch self {
        case .unreachable(let server, let reason): return "could not connect to server \(server): \(reason)"
        case .rejected(let server, let fields):
            return "server \(server) refused the login: \(fields.message ?? "no message")"
        case .authentication(let server, let failure): return "could not log in to server \(server): \(failure)"
        case .unsupportedAuthentication(let server, let method):
            return "server \(server) asks for unsupported authentication \(method)"
        case .protocolViolation(let server, let detail): return "server \(server) broke the protocol during login: \(detail)"
        case .timedOut(let server): return "timed out connecting to server \(server)"
        }
    }
}
