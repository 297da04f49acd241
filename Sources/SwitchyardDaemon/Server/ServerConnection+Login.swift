// ServerConnection+Login: connect, TLS negotiation (server_tls), then the login machine until ReadyForQuery.
import Logging
import SwitchyardCrypto
import SwitchyardIO
import SwitchyardSession
import SwitchyardWire

extension ServerConnection {
    /// The non-blocking connect finished: ask for TLS (server_tls) or send the StartupMessage.
    func connectFinished() {
        if let error = Socket.connectError(self.fd) {
            self.lost(reason: "\(error)")
            return
        }
        self.phase = .loggingIn(ServerLoginMachine(credentials: self.pool.credentials))
        switch self.context.config.serverTLS.policy {
        case .disable:
            self.sendStartupMessage()
        case .prefer, .require:
            self.isAwaitingSSLResponse = true
            var writer = WireWriter(capacity: 8)
            StartupPacket.sslRequest.encode(into: &writer)
            writer.bytes.withUnsafeBytes { _ = self.send($0) }
        }
    }

    /// Sends the StartupMessage; over TLS it waits in the outbound buffer until the handshake is done.
    private func sendStartupMessage() {
        let startup = ServerLoginMachine.startupMessage(user: self.key.user, database: self.key.database)
        startup.withUnsafeBytes { _ = self.send($0) }
    }

    /// Feeds login messages to the machine until it finishes.
    func processLoginInput() {
        guard let buffer = self.inbound else { return }
        if self.isAwaitingSSLResponse {
            guard self.sslResponseReceived(buffer) else { return }
        }
        while !self.isClosed, case .loggingIn(var machine) = self.phase {
            let view = buffer.readableView
            let message: DecodedBackendMessage
            let size: Int
            do {
                guard let header = try FrameHeader.parse(view, at: 0, limit: 1 << 20) else { return }
                // A type no server sends, or a length its type cannot have: refused at the header.
                try header.checkBackend()
                guard header.frameSize <= view.count else {
                    buffer.reserveWritable(header.frameSize - view.count)
                    return
                }
                message = try DecodedBackendMessage.decode(
                    header: header,
                    body: UnsafeRawBufferPointer(rebasing: view[FrameHeader.size..<header.frameSize])
                )
                size = header.frameSize
            } catch {
                self.loginFailed(.protocolViolation(server: self.serverName, detail: error.message))
                return
            }
            buffer.consume(size)
            let action = machine.messageReceived(message, nonce: randomBytes(count: ScramNonce.randomByteCount))
            self.phase = .loggingIn(machine)
            switch action {
            case .none:
                continue
            case .send(let bytes):
                bytes.withUnsafeBytes { _ = self.send($0) }
            case .succeeded:
                self.parameters = machine.parameters
                self.backendKey = machine.backendKey
                self.loginSucceeded()
                return
            case .failed(let failure):
                self.loginFailed(ServerLoginError(failure, server: self.serverName))
                return
            }
        }
    }

    /// Handles the server's one-byte answer to SSLRequest. Returns whether login input may follow
    /// in the same buffer (only after a plaintext `N`).
    private func sslResponseReceived(_ buffer: IOBuffer) -> Bool {
        let settings = self.context.config.serverTLS
        switch SSLResponse.read(buffer, policy: settings.policy, server: self.serverName) {
        case .pending:
            return false
        case .startTLS:
            self.isAwaitingSSLResponse = false
            guard let context = settings.context else {
                preconditionFailure("SSLRequest is sent only when server_tls provides a context")
            }
            do {
                self.tls = try context.makeClientSession(fd: self.fd, serverHost: self.serverHost)
            } catch {
                self.loginFailed(.unreachable(server: self.serverName, reason: "\(error)"))
                return false
            }
            self.sendStartupMessage()
            return false
        case .plaintext:
            self.isAwaitingSSLResponse = false
            self.sendStartupMessage()
            return true
        case .refused(let error):
            self.loginFailed(error)
            return false
        }
    }

    /// The configured host of the server (`serverName` without its `:port`), as certificate
    /// checks need it.
    private var serverHost: String {
        let name = self.serverName
        guard let colon = name.lastIndex(of: ":") else { return name }
        return String(name[..<colon])
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
