// ServerConnection+Login: connect, StartupMessage, authentication and the server's start-up reports.
import Logging
import SwitchyardCrypto
import SwitchyardIO
import SwitchyardSession
import SwitchyardWire

/// Where a server login stands between authentication requests.
enum ServerLoginExchange {
    /// Waiting for the server's next Authentication request.
    case awaitingRequest
    /// Inside a SCRAM-SHA-256 exchange.
    case scram(ScramClientExchange)
}

extension ServerConnection {
    /// The non-blocking connect finished: send the StartupMessage or fail.
    func connectFinished() {
        if let error = Socket.connectError(self.fd) {
            self.lost(reason: "\(error)")
            return
        }
        self.phase = .authenticating(.awaitingRequest)
        var writer = WireWriter()
        StartupPacket.startup(
            StartupMessage(parameters: [("user", self.key.user), ("database", self.key.database)])
        ).encode(into: &writer)
        writer.bytes.withUnsafeBytes { _ = self.send($0) }
    }

    /// Handles messages until ReadyForQuery ends the login.
    func processLoginInput() {
        guard let buffer = self.inbound else { return }
        while !self.isClosed {
            let view = buffer.readableView
            let header: FrameHeader?
            do {
                header = try FrameHeader.parse(view, at: 0, limit: 1 << 20)
            } catch {
                self.loginFailed(.protocolViolation(server: self.serverName, detail: error.message))
                return
            }
            guard let header else { return }
            guard header.frameSize <= view.count else {
                buffer.reserveWritable(header.frameSize - view.count)
                return
            }
            let body = UnsafeRawBufferPointer(rebasing: view[FrameHeader.size..<header.frameSize])
            do {
                try self.handleLoginMessage(header.id, body)
            } catch {
                self.loginFailed(.protocolViolation(server: self.serverName, detail: error.message))
                return
            }
            if self.isClosed { return }
            buffer.consume(header.frameSize)
            if case .idle = self.phase { return }
        }
    }

    private func handleLoginMessage(_ id: UInt8, _ body: UnsafeRawBufferPointer) throws(WireDecodingError) {
        var reader = WireReader(body)
        switch BackendMessageID(rawValue: id) {
        case .authentication:
            let request = try BackendMessage.Authentication.decode(from: &reader)
            self.answer(request)
        case .parameterStatus:
            let status = try BackendMessage.ParameterStatus.decode(from: &reader)
            self.parameters[status.name] = status.value
        case .backendKeyData:
            self.backendKey = try BackendMessage.BackendKeyData.decode(from: &reader)
        case .errorResponse:
            let fields = try BackendMessage.ErrorFields.decode(from: &reader)
            self.loginFailed(.rejected(server: self.serverName, fields: fields))
        case .noticeResponse, .negotiateProtocolVersion:
            return
        case .readyForQuery:
            guard case .startingUp = self.phase else {
                self.loginFailed(.protocolViolation(server: self.serverName, detail: "ReadyForQuery before authentication"))
                return
            }
            self.loginSucceeded()
        default:
            self.loginFailed(.protocolViolation(server: self.serverName, detail: "unexpected message type \(id) during login"))
        }
    }

    /// Answers one Authentication request with the pool's credentials.
    private func answer(_ request: BackendMessage.Authentication) {
        guard case .authenticating(let exchange) = self.phase else {
            self.loginFailed(.protocolViolation(server: self.serverName, detail: "authentication request after login"))
            return
        }
        let credentials = self.pool.credentials
        var writer = WireWriter()
        switch (request, exchange) {
        case (.ok, .awaitingRequest):
            self.phase = .startingUp
            return
        case (.cleartextPassword, .awaitingRequest):
            switch credentials.cleartextResponse() {
            case .success(let password): FrontendMessage.PasswordMessage(password: password).encode(into: &writer)
            case .failure(let failure): return self.loginFailed(.authentication(server: self.serverName, failure))
            }
        case (.md5Password(let salt), .awaitingRequest):
            switch credentials.md5Response(salt: salt) {
            case .success(let response): FrontendMessage.PasswordMessage(password: response).encode(into: &writer)
            case .failure(let failure): return self.loginFailed(.authentication(server: self.serverName, failure))
            }
        case (.sasl(let mechanisms), .awaitingRequest):
            guard mechanisms.contains("SCRAM-SHA-256") else {
                return self.loginFailed(.unsupportedAuthentication(server: self.serverName, method: mechanisms.joined(separator: ", ")))
            }
            switch credentials.makeScramExchange(nonce: ScramNonce(randomBytes: randomBytes(count: ScramNonce.randomByteCount))) {
            case .success(let scram):
                FrontendMessage.SASLInitialResponse(mechanism: "SCRAM-SHA-256", data: scram.clientFirstMessage).encode(into: &writer)
                self.phase = .authenticating(.scram(scram))
            case .failure(let failure):
                return self.loginFailed(.authentication(server: self.serverName, failure))
            }
        case (.saslContinue(let data), .scram(var scram)):
            switch scram.receiveServerFirst(data) {
            case .success(let final):
                FrontendMessage.SASLResponse(data: final).encode(into: &writer)
                self.phase = .authenticating(.scram(scram))
            case .failure(let failure):
                return self.loginFailed(.authentication(server: self.serverName, failure))
            }
        case (.saslFinal(let data), .scram(var scram)):
            switch scram.receiveServerFinal(data) {
            case .success:
                self.phase = .authenticating(.awaitingRequest)
                return
            case .failure(let failure):
                return self.loginFailed(.authentication(server: self.serverName, failure))
            }
        case (.kerberosV5, _), (.scmCredential, _), (.gss, _), (.gssContinue, _), (.sspi, _):
            return self.loginFailed(.unsupportedAuthentication(server: self.serverName, method: "\(request)"))
        default:
            return self.loginFailed(.protocolViolation(server: self.serverName, detail: "authentication request out of order"))
        }
        writer.bytes.withUnsafeBytes { _ = self.send($0) }
    }

    private func loginSucceeded() {
        self.phase = .idle
        self.idleSince = self.context.loop.now
        let reported = self.parameters.map { BackendMessage.ParameterStatus(name: $0.key, value: $0.value) }
        self.context.shared.setServerParameters(reported, for: self.key)
        self.pool.connectSucceeded(self)
    }

    private func loginFailed(_ error: ServerLoginError) {
        guard !self.isClosed else { return }
        self.context.logger.warning(
            "server login failed",
            metadata: ["server": "\(self.serverName)", "user": "\(self.key.user)", "error": "\(error.message)"]
        )
        self.phase = .closed
        self.closeSocket()
        self.pool.connectFailed(error: error)
    }
}
