// Purpose: libFuzzer target for what clients send: startup packets, regular frames and the
// client login the proxy verifies (SCRAM-SHA-256 server side, md5).

/// The first input byte picks the mode; the rest is the client's bytes.
///
/// | `byte & 3` | mode                                                                    |
/// | ---------- | ----------------------------------------------------------------------- |
/// | 0          | a whole client stream: startup packets, then regular frames             |
/// | 1          | regular frames only, as after the startup phase                         |
/// | 2          | SCRAM messages alone: client-first, NUL, client-final[, NUL, another]    |
/// | 3          | a PasswordMessage body for md5 verification                             |
///
/// `(byte >> 2) % 3` picks the login the 'p' messages of modes 0 and 1 feed, and the SCRAM
/// exchange of mode 2: a known user's SCRAM, an unknown user's (mock) SCRAM, or md5.
enum FrontendTarget {
    /// The password behind every secret here; the seeds hold logins made with it.
    static let password = "fuzz-password"
    static let user = "fuzz"
    /// Derived once, as the daemon derives a plaintext user's secret once at load.
    static let secret = ScramSecret.derive(password: password, salt: Array(0..<16))
    static let mockKey = [UInt8](repeating: 0x5A, count: 32)
    /// The server's nonce part: fixed, so that seeds can hold a whole valid exchange.
    static let serverNonce = ScramNonce(randomBytes: Array(100..<118))
    static let md5Secret = MD5Password.secret(user: user, password: password)
    static let md5Salt: [UInt8] = [0x93, 0x0F, 0x2C, 0x71]

    enum Login {
        case knownScram, unknownScram, md5
    }

    static func run(_ bytes: UnsafeRawBufferPointer) {
        guard let first = bytes.first else { return }
        let login: Login = [.knownScram, .unknownScram, .md5][Int(first >> 2) % 3]
        let rest = UnsafeRawBufferPointer(rebasing: bytes[1...])
        switch first & 3 {
        case 0:
            guard let (offset, user) = self.startupPhase(rest) else { return }
            self.regularPhase(rest, from: offset, login: LoginState(login, user: user))
        case 1:
            self.regularPhase(rest, from: 0, login: LoginState(login, user: user))
        case 2:
            self.scramOnly(Array(rest), login: login)
        default:
            self.verifyMD5(Array(rest))
        }
    }

    // MARK: - Startup phase

    /// Reads startup packets as the proxy does: SSLRequest and GSSENCRequest are refused and
    /// the client goes on; a StartupMessage ends the phase, a CancelRequest the connection.
    /// - Returns: where regular frames begin and the user named, or `nil` when the stream ends.
    static func startupPhase(_ bytes: UnsafeRawBufferPointer) -> (Int, String)? {
        var offset = 0
        while true {
            let header: StartupHeader
            do {
                guard let parsed = try StartupHeader.parse(bytes, at: offset) else { return nil }
                header = parsed
            } catch {
                return nil
            }
            require(
                (8...StartupHeader.maximumLength).contains(header.length),
                "startup header length \(header.length) out of range")
            guard offset + header.length <= bytes.count else { return nil }
            let packetRange = offset..<(offset + header.length)
            let body = UnsafeRawBufferPointer(rebasing: bytes[(offset + 8)..<packetRange.upperBound])
            offset = packetRange.upperBound
            let packet: StartupPacket
            do {
                packet = try StartupPacket.decode(header: header, body: body)
            } catch {
                return nil
            }
            var writer = WireWriter()
            packet.encode(into: &writer)
            require(writer.bytes == FuzzStream.array(bytes, packetRange), "startup packet \(packet) re-encodes differently")
            switch packet {
            case .sslRequest, .gssEncRequest:
                continue
            case .cancel:
                return nil
            case .startup(let message):
                require(message.protocolVersion >> 16 == 3, "startup message with protocol \(message.protocolVersion)")
                return (offset, message.value(of: "user") ?? "")
            }
        }
    }

    // MARK: - Regular frames

    static func regularPhase(_ bytes: UnsafeRawBufferPointer, from start: Int, login: LoginState) {
        var login = login
        FuzzStream.forEachMessage(DecodedFrontendMessage.self, in: bytes, from: start) { message in
            if case .passwordFamily(let body) = message {
                login.receive(body)
            }
            return true
        }
    }

    // MARK: - Logins alone

    static func scramOnly(_ bytes: [UInt8], login: Login) {
        var state = LoginState(login == .md5 ? .knownScram : login, user: user)
        let parts = FuzzStream.split(bytes[...], maxParts: 3)
        state.receiveClientFirst(parts[0])
        for part in parts.dropFirst() { state.receiveClientFinal(part) }
    }

    static func verifyMD5(_ body: [UInt8]) {
        guard let message = try? WireReader.decode(body, { reader throws(WireDecodingError) in
            try FrontendMessage.PasswordMessage.decode(from: &reader)
        }) else { return }
        var writer = WireWriter()
        message.encode(into: &writer)
        require(Array(writer.bytes.dropFirst(FrameHeader.size)) == body, "PasswordMessage re-encodes differently")
        let expected = MD5Password.serverExpectedResponse(md5Secret: md5Secret, salt: md5Salt)
        switch MD5Password.verify(response: message.password, md5Secret: md5Secret, salt: md5Salt) {
        case .success: require(Array(message.password.utf8) == Array(expected.utf8), "md5 accepted a wrong response")
        case .failure(let failure):
            require(failure == .badPassword, "md5 failed with \(failure)")
            require(Array(message.password.utf8) != Array(expected.utf8), "md5 refused the right response")
        }
    }
}

/// The client login as the daemon runs it: the first 'p' of a SCRAM login is a
/// SASLInitialResponse, later ones SASLResponses; an md5 login reads a PasswordMessage.
struct LoginState {
    enum Method {
        case scram(ScramServerExchange, isDoomed: Bool, hasInitialResponse: Bool)
        case md5
    }

    var method: Method
    /// Set once the exchange ended, successfully or not: the daemon stops reading then.
    var isOver = false

    init(_ login: FrontendTarget.Login, user: String) {
        switch login {
        case .knownScram:
            self.method = .scram(
                ScramServerExchange(secret: FrontendTarget.secret, nonce: FrontendTarget.serverNonce),
                isDoomed: false, hasInitialResponse: false)
        case .unknownScram:
            self.method = .scram(
                ScramServerExchange(mockFor: user, mockKey: FrontendTarget.mockKey, nonce: FrontendTarget.serverNonce),
                isDoomed: true, hasInitialResponse: false)
        case .md5:
            self.method = .md5
        }
    }

    mutating func receive(_ body: [UInt8]) {
        switch self.method {
        case .md5:
            // The daemon ends the connection after one password either way; keep checking
            // later ones, the verification holds no state.
            FrontendTarget.verifyMD5(body)
        case .scram(_, _, hasInitialResponse: false):
            let decoded = try? body.withUnsafeBytes { raw throws(WireDecodingError) in
                var reader = WireReader(raw)
                return try FrontendMessage.SASLInitialResponse.decode(from: &reader)
            }
            guard let initial = decoded else { return }
            var writer = WireWriter()
            initial.encode(into: &writer)
            require(Array(writer.bytes.dropFirst(FrameHeader.size)) == body, "SASLInitialResponse re-encodes differently")
            guard initial.mechanism == ScramChannelBinding.scramSHA256, let data = initial.data else { return }
            self.receiveClientFirst(data)
        case .scram(_, _, hasInitialResponse: true):
            self.receiveClientFinal(FrontendMessage.SASLResponse(data: body).data)
        }
    }

    mutating func receiveClientFirst(_ data: [UInt8]) {
        guard case .scram(var exchange, let isDoomed, _) = self.method else { return }
        let result = exchange.receiveClientFirst(data)
        switch (result, exchange.state) {
        case (.success(let serverFirst), .awaitingClientFinal):
            // "r=" c-nonce s-nonce ",s=" salt ",i=" count, with our nonce part after the client's.
            let text = String(decoding: serverFirst, as: UTF8.self)
            require(text.hasPrefix("r="), "server-first does not start with r=: \(text)")
            let nonceEnd = serverFirst.firstIndex(of: UInt8(ascii: ",")) ?? serverFirst.count
            let nonce = serverFirst[2..<nonceEnd]
            require(nonce.count > FrontendTarget.serverNonce.bytes.count, "server-first nonce too short")
            require(nonce.suffix(FrontendTarget.serverNonce.bytes.count).elementsEqual(FrontendTarget.serverNonce.bytes),
                    "server-first nonce does not end with the server's part")
            require(nonce.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ",") }, "server-first nonce not printable")
            require(text.hasSuffix(",i=\(ScramSecret.defaultIterations)"), "server-first iteration count: \(text)")
            require(serverFirst.count <= 600, "server-first of \(serverFirst.count) bytes")
        case (.failure, .failed):
            self.isOver = true
        default:
            require(false, "receiveClientFirst returned \(result) in state \(exchange.state)")
        }
        self.method = .scram(exchange, isDoomed: isDoomed, hasInitialResponse: true)
        require(exchange.clientKey == nil, "a client key before the final message")
    }

    mutating func receiveClientFinal(_ data: [UInt8]) {
        guard case .scram(var exchange, let isDoomed, _) = self.method else { return }
        let wasAwaiting: Bool
        if case .awaitingClientFinal = exchange.state { wasAwaiting = true } else { wasAwaiting = false }
        let result = exchange.receiveClientFinal(data)
        switch (result, exchange.state) {
        case (.success(let serverFinal), .succeeded(let clientKey)):
            require(wasAwaiting, "a final message succeeded out of order")
            require(!isDoomed, "an unknown user's SCRAM exchange succeeded")
            require(sha256(clientKey) == FrontendTarget.secret.storedKey, "recovered client key does not hash to StoredKey")
            require(serverFinal.starts(with: Array("v=".utf8)) && serverFinal.count == 2 + 44, "server-final \(serverFinal)")
        case (.failure(let failure), .failed):
            if !wasAwaiting { require(failure == .malformed(.unexpectedMessage), "out-of-order final failed with \(failure)") }
            require(exchange.clientKey == nil, "a failed exchange has a client key")
        default:
            require(false, "receiveClientFinal returned \(result) in state \(exchange.state)")
        }
        self.isOver = true
        self.method = .scram(exchange, isDoomed: isDoomed, hasInitialResponse: true)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrontend(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
    guard let data else { return 0 }
    FrontendTarget.run(UnsafeRawBufferPointer(start: data, count: count))
    return 0
}
