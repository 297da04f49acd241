// ServerLoginMachine: the proxy's side of logging into a PostgreSQL server, from the
// StartupMessage to ReadyForQuery, as a state machine over decoded messages.
import SwitchyardWire

/// Logs into a server: answers its authentication requests with the credentials given, and
/// collects the parameters and cancel key it reports. Pure: randomness comes in as arguments.
package struct ServerLoginMachine: Sendable {
    /// Where the login stands.
    package enum State: Sendable {
        /// StartupMessage sent; waiting for the server's first authentication request.
        case awaitingRequest
        /// Inside a SCRAM-SHA-256 exchange.
        case scram(ScramClientExchange)
        /// SCRAM proved the server knows the secret; AuthenticationOk must follow.
        case awaitingOk
        /// Authenticated; collecting ParameterStatus and BackendKeyData until ReadyForQuery.
        case startingUp
        /// Logged in.
        case succeeded
        /// Failed; nothing more is accepted.
        case failed
    }

    /// What to do after a message.
    package enum Action: Equatable, Sendable {
        /// Nothing; wait for the next message.
        case none
        /// Write these bytes to the server.
        case send([UInt8])
        /// The login finished: the connection is ready for queries.
        case succeeded
        /// The login failed.
        case failed(Failure)
    }

    /// Why a login failed.
    package enum Failure: Equatable, Sendable {
        /// The server refused with an ErrorResponse.
        case rejected(BackendMessage.ErrorFields)
        /// The proxy could not answer what the server asked.
        case authentication(AuthFailure)
        /// The server asked for a method the proxy does not implement.
        case unsupportedMethod(String)
        /// The server broke the protocol.
        case protocolViolation(String)
    }

    package private(set) var state: State = .awaitingRequest
    /// ParameterStatus values reported during the login, by name.
    package private(set) var parameters: [String: String] = [:]
    /// The server's cancel key.
    package private(set) var backendKey: BackendMessage.BackendKeyData?
    private let credentials: ServerLoginCredentials

    package init(credentials: ServerLoginCredentials) {
        self.credentials = credentials
    }

    /// The StartupMessage that begins the login, with any extra startup parameters.
    package static func startupMessage(user: String, database: String, parameters: [(String, String)] = []) -> [UInt8] {
        var writer = WireWriter()
        StartupPacket.startup(StartupMessage(parameters: [("user", user), ("database", database)] + parameters))
            .encode(into: &writer)
        return writer.bytes
    }

    /// Handles one server message.
    /// - Parameter nonce: fresh random bytes for a SCRAM nonce, used only if the server asks for SCRAM.
    package mutating func messageReceived(_ message: DecodedBackendMessage, nonce: @autoclosure () -> [UInt8]) -> Action {
        switch message {
        case .authentication(let request):
            return self.authenticationRequested(request, nonce: nonce)
        case .parameterStatus(let status):
            self.parameters[status.name] = status.value
            return .none
        case .backendKeyData(let key):
            self.backendKey = key
            return .none
        case .errorResponse(let fields):
            return self.fail(.rejected(fields))
        case .noticeResponse, .negotiateProtocolVersion:
            return .none
        case .readyForQuery:
            switch self.state {
            case .startingUp:
                self.state = .succeeded
                return .succeeded
            case .awaitingRequest, .scram, .awaitingOk, .succeeded, .failed:
                return self.fail(.protocolViolation("ReadyForQuery before authentication finished"))
            }
        default:
            return self.fail(.protocolViolation("unexpected message type \(message.id) during login"))
        }
    }

    private mutating func authenticationRequested(
        _ request: BackendMessage.Authentication,
        nonce: () -> [UInt8]
    ) -> Action {
        var writer = WireWriter()
        switch (request, self.state) {
        case (.ok, .awaitingRequest), (.ok, .awaitingOk):
            self.state = .startingUp
            return .none
        case (.cleartextPassword, .awaitingRequest):
            switch self.credentials.cleartextResponse() {
            case .success(let password): FrontendMessage.PasswordMessage(password: password).encode(into: &writer)
            case .failure(let failure): return self.fail(.authentication(failure))
            }
        case (.md5Password(let salt), .awaitingRequest):
            switch self.credentials.md5Response(salt: salt) {
            case .success(let response): FrontendMessage.PasswordMessage(password: response).encode(into: &writer)
            case .failure(let failure): return self.fail(.authentication(failure))
            }
        case (.sasl(let mechanisms), .awaitingRequest):
            guard mechanisms.contains(ScramChannelBinding.scramSHA256) else {
                return self.fail(.unsupportedMethod("SASL \(mechanisms.joined(separator: ", "))"))
            }
            switch self.credentials.makeScramExchange(nonce: ScramNonce(randomBytes: nonce())) {
            case .success(let scram):
                FrontendMessage.SASLInitialResponse(mechanism: ScramChannelBinding.scramSHA256, data: scram.clientFirstMessage)
                    .encode(into: &writer)
                self.state = .scram(scram)
            case .failure(let failure):
                return self.fail(.authentication(failure))
            }
        case (.saslContinue(let data), .scram(var scram)):
            switch scram.receiveServerFirst(data) {
            case .success(let final):
                FrontendMessage.SASLResponse(data: final).encode(into: &writer)
                self.state = .scram(scram)
            case .failure(let failure):
                return self.fail(.authentication(failure))
            }
        case (.saslFinal(let data), .scram(var scram)):
            switch scram.receiveServerFinal(data) {
            case .success:
                self.state = .awaitingOk
                return .none
            case .failure(let failure):
                return self.fail(.authentication(failure))
            }
        case (.kerberosV5, _), (.scmCredential, _), (.gss, _), (.gssContinue, _), (.sspi, _):
            return self.fail(.unsupportedMethod("\(request)"))
        default:
            return self.fail(.protocolViolation("authentication request out of order"))
        }
        return .send(writer.bytes)
    }

    private mutating func fail(_ failure: Failure) -> Action {
        self.state = .failed
        return .failed(failure)
    }
}
