// ServerConnection+Login: connect, then the login machine until ReadyForQuery.
import Logging
import SwitchyardCrypto
import SwitchyardIO
import SwitchyardSession
import SwitchyardWire

extension ServerConnection {
    /// The non-blocking connect finished: send the StartupMessage or fail.
    func connectFinished() {
        if let error = Socket.connectError(self.fd) {
            self.lost(reason: "\(error)")
            return
        }
        self.phase = .loggingIn(ServerLoginMachine(credentials: self.pool.credentials))
        let startup = ServerLoginMachine.startupMessage(user: self.key.user, database: self.key.database)
        startup.withUnsafeBytes { _ = self.send($0) }
    }

    /// Feeds login messages to the machine until it finishes.
    func processLoginInput() {
        guard let buffer = self.inbound else { return }
        while !self.isClosed, case .loggingIn(var machine) = self.phase {
            let view = buffer.readableView
            let message: DecodedBackendMessage
            let size: Int
            do {
                guard let header = try FrameHeader.parse(view, at: 0, limit: 1 << 20) else { return }
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
