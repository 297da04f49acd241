// ClientConnection+Login: startup packets (TLS negotiation included), the authentication challenge, and the
// login reply.
import Logging
import SwitchyardCrypto
import SwitchyardIO
import SwitchyardSession
import SwitchyardWire

/// The proxy's side of a client's authentication.
enum ClientAuthExchange {
    /// md5: the salt sent and the user's md5 secret.
    case md5(salt: [UInt8], secret: String, user: UserEntry)
    /// SCRAM-SHA-256; `user` is `nil` for an unknown user, whose exchange always fails.
    case scram(ScramServerExchange, user: UserEntry?, hasInitialResponse: Bool)
}

extension ClientConnection {
    /// Handles startup-phase packets and authentication messages.
    func processLoginInput() {
        guard let buffer = self.inbound else { return }
        while !self.isClosed {
            switch self.phase {
            case .startup:
                guard self.processStartupPacket(buffer) else { return }
            case .authenticating:
                guard self.processAuthenticationMessage(buffer) else { return }
            case .awaitingServerParameters, .ready, .console, .closed:
                return
            }
        }
    }

    /// Handles one startup packet; `false` when more bytes are needed or the client is gone.
    private func processStartupPacket(_ buffer: IOBuffer) -> Bool {
        let view = buffer.readableView
        let header: StartupHeader
        do {
            guard let parsed = try StartupHeader.parse(view, at: 0) else { return false }
            header = parsed
        } catch {
            self.fail(ProxyError(.protocolViolation, .fatal, "invalid startup packet: \(error.message)"))
            return false
        }
        guard header.length <= view.count else { return false }
        let packet: StartupPacket
        do {
            packet = try StartupPacket.decode(header: header, body: UnsafeRawBufferPointer(rebasing: view[8..<header.length]))
        } catch .unknownStartupCode(let code) {
            // PostgreSQL checks the major version before it reads the parameters.
            self.fail(Self.unsupportedProtocol(code))
            return false
        } catch {
            self.fail(ProxyError(.protocolViolation, .fatal, "invalid startup packet: \(error.message)"))
            return false
        }
        buffer.consume(header.length)
        switch packet {
        case .sslRequest where self.hasNegotiatedSSL, .gssEncRequest where self.hasNegotiatedGSS:
            // Encryption is negotiated once each way: PostgreSQL then reads the request as a
            // StartupMessage of protocol 1234.5679 (or .5680), which it does not support.
            self.fail(Self.unsupportedProtocol(header.code))
            return false
        case .sslRequest:
            self.hasNegotiatedSSL = true
            return self.sslRequestReceived(buffer)
        case .gssEncRequest:
            // No GSSAPI encryption here: 'N', and the client continues in plaintext (or TLS).
            self.hasNegotiatedGSS = true
            _ = [UInt8(ascii: "N")].withUnsafeBytes { self.send($0) }
            return true
        case .cancel(let request):
            self.context.forwardCancel(request)
            self.close()
            return false
        case .startup(let message):
            self.startupReceived(message)
            return !self.isClosed
        }
    }

    /// Answers SSLRequest: `S` and a TLS handshake when client_tls allows it and a certificate is
    /// configured, else `N`. Returns whether more startup input may follow.
    private func sslRequestReceived(_ buffer: IOBuffer) -> Bool {
        guard let context = self.context.config.clientTLS.acceptingContext else {
            _ = [UInt8(ascii: "N")].withUnsafeBytes { self.send($0) }
            return true
        }
        // A client waits for 'S' before it starts the handshake, so bytes already here after the
        // SSLRequest were sent unencrypted, perhaps injected by a man in the middle
        // (CVE-2021-23214). They are refused, as PostgreSQL refuses them, before any handshake.
        guard buffer.isEmpty else {
            self.fail(
                ProxyError(
                    .protocolViolation, .fatal, "received unencrypted data after SSL request",
                    detail: "This could be either a client-software bug or evidence of an attempted man-in-the-middle attack."
                )
            )
            return false
        }
        let session: TLSSession
        do {
            session = try context.makeServerSession(fd: self.fd)
        } catch {
            self.context.logger.error("cannot start TLS", metadata: ["client.id": "\(self.id)", "error": "\(error)"])
            self.fail(ProxyError(.internalError, .fatal, "could not start SSL"))
            return false
        }
        // The 'S' goes out in plaintext, before the session takes over the socket.
        guard [UInt8(ascii: "S")].withUnsafeBytes({ self.send($0) }) else {
            self.close()
            return false
        }
        self.tls = session
        // Inside TLS, PostgreSQL takes no GSSENCRequest either.
        self.hasNegotiatedGSS = true
        return true
    }

    /// PostgreSQL's answer to a StartupMessage whose major protocol version is not 3.
    static func unsupportedProtocol(_ version: UInt32) -> ProxyError {
        ProxyError(
            .featureNotSupported, .fatal,
            "unsupported frontend protocol \(version >> 16).\(version & 0xFFFF): server supports 3.0 to 3.0")
    }

    private func startupReceived(_ message: StartupMessage) {
        if self.isOverLimit {
            self.fail(ProxyError(.tooManyConnections, .fatal, "sorry, too many clients already"))
            return
        }
        if self.tls == nil && self.context.config.clientTLS.policy == .require {
            self.fail(
                ProxyError(
                    .invalidAuthorizationSpecification, .fatal, "SSL connection is required",
                    hint: "Connect with sslmode=require or stricter."
                )
            )
            return
        }
        guard let user = message.value(of: "user"), !user.isEmpty else {
            self.fail(ProxyError(.invalidAuthorizationSpecification, .fatal, "no PostgreSQL user name specified in startup packet"))
            return
        }
        if message.value(of: "replication").map({ $0 != "false" && $0 != "off" && $0 != "0" }) ?? false {
            self.fail(ProxyError(.featureNotSupported, .fatal, "replication connections are not supported"))
            return
        }
        self.userName = user
        self.databaseName = message.value(of: "database").flatMap { $0.isEmpty ? nil : $0 } ?? user
        var unknownOptions: [String] = []
        for (name, value) in message.parameters {
            switch name {
            case "user", "database", "replication":
                continue
            case "options":
                for (option, optionValue) in Self.commandLineSettings(value) {
                    self.settings.setStartupParameter(option, optionValue)
                    self.startupValues[option.lowercased()] = optionValue
                }
            default:
                if name.hasPrefix("_pq_.") {
                    unknownOptions.append(name)
                } else {
                    self.settings.setStartupParameter(name, value)
                    self.startupValues[name.lowercased()] = value
                }
            }
        }
        self.applicationName = message.value(of: "application_name") ?? ""
        if message.protocolVersion & 0xFFFF != 0 || !unknownOptions.isEmpty {
            var writer = WireWriter()
            BackendMessage.NegotiateProtocolVersion(newestMinorVersion: Int32(StartupPacket.protocolVersion3), unrecognizedOptions: unknownOptions)
                .encode(into: &writer)
            self.appendOutput(writer.bytes)
        }
        self.challenge()
    }

    /// `-c name=value` and `--name=value` settings from the `options` startup parameter.
    static func commandLineSettings(_ options: String) -> [(String, String)] {
        var words: [String] = []
        var current = ""
        var escaped = false
        for character in options {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == " " || character == "\t" {
                if !current.isEmpty { words.append(current) }
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { words.append(current) }
        var settings: [(String, String)] = []
        var index = 0
        while index < words.count {
            var assignment: Substring?
            if words[index] == "-c", index + 1 < words.count {
                assignment = words[index + 1][...]
                index += 1
            } else if words[index].hasPrefix("-c") {
                assignment = words[index].dropFirst(2)
            } else if words[index].hasPrefix("--") {
                assignment = words[index].dropFirst(2)
            }
            if let assignment, let equals = assignment.firstIndex(of: "=") {
                let name = String(assignment[..<equals].map { $0 == "-" ? "_" : $0 })
                settings.append((name, String(assignment[assignment.index(after: equals)...])))
            }
            index += 1
        }
        return settings
    }

    /// Sends the authentication request that the user's secret calls for.
    private func challenge() {
        var writer = WireWriter()
        let nonce = ScramNonce(randomBytes: randomBytes(count: ScramNonce.randomByteCount))
        let binding = self.tls?.tlsServerEndPoint.map { ScramChannelBinding.tlsServerEndPoint($0) } ?? .unavailable
        if let user = self.context.config.users[self.userName] {
            switch user.authMethod {
            case .md5(let secret):
                let salt = randomBytes(count: MD5Password.saltLength)
                BackendMessage.Authentication.md5Password(salt: salt).encode(into: &writer)
                self.phase = .authenticating(.md5(salt: salt, secret: secret, user: user))
            case .scramSHA256(let secret):
                BackendMessage.Authentication.sasl(mechanisms: binding.advertisedMechanisms).encode(into: &writer)
                self.phase = .authenticating(
                    .scram(
                        ScramServerExchange(secret: secret, nonce: nonce, channelBinding: binding), user: user,
                        hasInitialResponse: false)
                )
            }
        } else {
            BackendMessage.Authentication.sasl(mechanisms: binding.advertisedMechanisms).encode(into: &writer)
            let exchange = ScramServerExchange(
                mockFor: self.userName, mockKey: self.context.shared.unknownUserKey, nonce: nonce, channelBinding: binding)
            self.phase = .authenticating(.scram(exchange, user: nil, hasInitialResponse: false))
        }
        self.appendOutput(writer.bytes)
    }

    /// Handles one password-family message; `false` when more bytes are needed or login moved on.
    private func processAuthenticationMessage(_ buffer: IOBuffer) -> Bool {
        let view = buffer.readableView
        let header: FrameHeader
        do {
            guard let parsed = try FrameHeader.parse(view, at: 0, limit: 64 * 1024) else { return false }
            header = parsed
        } catch {
            self.fail(ProxyError(.protocolViolation, .fatal, "invalid authentication message: \(error.message)"))
            return false
        }
        guard header.frameSize <= view.count else { return false }
        guard header.id == FrontendMessageID.password.rawValue, case .authenticating(let exchange) = self.phase else {
            if header.id == FrontendMessageID.terminate.rawValue {
                self.close()
                return false
            }
            self.fail(ProxyError(.protocolViolation, .fatal, "expected password response, got message type \(header.id)"))
            return false
        }
        var reader = WireReader(UnsafeRawBufferPointer(rebasing: view[FrameHeader.size..<header.frameSize]))
        buffer.consume(header.frameSize)
        switch exchange {
        case .md5(let salt, let secret, let user):
            guard let message = try? FrontendMessage.PasswordMessage.decode(from: &reader) else {
                self.fail(ProxyError(.protocolViolation, .fatal, "invalid password packet"))
                return false
            }
            switch MD5Password.verify(response: message.password, md5Secret: secret, salt: salt) {
            case .success: self.authenticated(user, clientKey: nil)
            case .failure: self.failPassword()
            }
        case .scram(var scram, let user, let hasInitialResponse):
            if !hasInitialResponse {
                guard let initial = try? FrontendMessage.SASLInitialResponse.decode(from: &reader), let data = initial.data else {
                    self.fail(ProxyError(.protocolViolation, .fatal, "invalid SASL initial response"))
                    return false
                }
                guard scram.channelBinding.advertisedMechanisms.contains(initial.mechanism) else {
                    self.fail(ProxyError(.protocolViolation, .fatal, "client selected an invalid SASL authentication mechanism"))
                    return false
                }
                switch scram.receiveClientFirst(data, mechanism: initial.mechanism) {
                case .success(let serverFirst):
                    self.phase = .authenticating(.scram(scram, user: user, hasInitialResponse: true))
                    var writer = WireWriter()
                    BackendMessage.Authentication.saslContinue(data: serverFirst).encode(into: &writer)
                    self.appendOutput(writer.bytes)
                case .failure(let failure):
                    self.failAuthentication(failure)
                }
            } else {
                let response = FrontendMessage.SASLResponse.decode(from: &reader)
                switch scram.receiveClientFinal(response.data) {
                case .success(let serverFinal):
                    guard let user else {
                        self.failPassword()
                        return false
                    }
                    var writer = WireWriter()
                    BackendMessage.Authentication.saslFinal(data: serverFinal).encode(into: &writer)
                    self.appendOutput(writer.bytes)
                    self.authenticated(user, clientKey: scram.clientKey)
                case .failure(let failure):
                    self.failAuthentication(failure)
                }
            }
        }
        self.flush()
        return !self.isClosed
    }

    private func failAuthentication(_ failure: AuthFailure) {
        switch failure {
        case .badPassword, .missingCredential: self.failPassword()
        case .malformed(.channelBindingDowngrade):
            self.fail(
                ProxyError(
                    .invalidAuthorizationSpecification, .fatal, "SCRAM channel binding negotiation error",
                    detail: "The client supports SCRAM channel binding but thinks the server does not. However, this server does support channel binding."
                )
            )
        case .malformed(let malformation):
            self.fail(ProxyError(.protocolViolation, .fatal, "malformed SCRAM message", detail: "\(malformation)"))
        }
    }

    /// Bad password and unknown user alike: the same SQLSTATE and message, so no one can probe users.
    private func failPassword() {
        self.fail(ProxyError(.invalidPassword, .fatal, "password authentication failed for user \"\(self.userName)\""))
    }

    /// The client proved its identity: pick its pool, then finish the login.
    private func authenticated(_ user: UserEntry, clientKey: [UInt8]?) {
        var writer = WireWriter()
        BackendMessage.Authentication.ok.encode(into: &writer)
        self.appendOutput(writer.bytes)
        let config = self.context.config
        if self.databaseName == Self.consoleDatabase {
            self.enterConsole(user)
            return
        }
        guard let database = config.databases[self.databaseName], let cluster = config.clusters[database.cluster] else {
            self.fail(ProxyError(.invalidCatalogName, .fatal, "database \"\(self.databaseName)\" does not exist"))
            return
        }
        guard let server = cluster.primary ?? cluster.servers.first else {
            self.fail(ProxyError(.connectionFailure, .fatal, "cluster \"\(cluster.name)\" has no servers"))
            return
        }
        self.user = user
        self.database = database
        self.clientKey = clientKey
        let credentials = cluster.credentials(user: user.name, secret: user.secret, clientKey: clientKey)
        self.loginPoolKey = PoolKey(
            address: server.address, serverName: server.name, database: cluster.database, user: credentials.user)
        self.secretKey = Int32.random(in: Int32.min...Int32.max)
        self.processID = self.context.shared.cancels.register(loop: self.context.loop.index, clientID: self.id, secretKey: self.secretKey)
        if self.context.shared.serverParameters(for: self.loginPoolKey!) != nil {
            self.finishLogin()
        } else {
            // No server of this pool has been seen yet: borrow one to learn what to report.
            self.phase = .awaitingServerParameters
            self.pendingTarget = LeaseTarget(cluster: cluster.name, role: .primary)
            self.requestLease()
        }
    }

    /// Sends the server's parameters (with the client's own settings), the cancel key and ReadyForQuery.
    func finishLogin() {
        guard let key = self.loginPoolKey else { return }
        let serverParameters = self.context.shared.serverParameters(for: key) ?? []
        var writer = WireWriter()
        for parameter in serverParameters.sorted(by: { $0.name < $1.name }) {
            var value = parameter.value
            if let own = self.startupValue(of: parameter.name) { value = own }
            self.reportedParameters[parameter.name] = value
            BackendMessage.ParameterStatus(name: parameter.name, value: value).encode(into: &writer)
        }
        BackendMessage.BackendKeyData(processID: self.processID, secretKey: self.secretKey).encode(into: &writer)
        BackendMessage.ReadyForQuery(status: .idle).encode(into: &writer)
        self.appendOutput(writer.bytes)
        self.phase = .ready
        var metadata: Logger.Metadata = ["client.id": "\(self.id)", "user": "\(self.userName)", "db": "\(self.databaseName)"]
        if let tls = self.tls { metadata["tls"] = "\(tls.protocolVersion)" }
        self.context.logger.info("client logged in", metadata: metadata)
    }

    /// The value the client asked for at startup for a reported parameter, if any.
    private func startupValue(of name: String) -> String? {
        self.startupValues[name.lowercased()]
    }
}
