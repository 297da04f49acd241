// Purpose: libFuzzer target for what servers send: regular frames, the proxy's server login
// machine driven by them, and the SCRAM-SHA-256 client exchange alone.

/// The first input byte picks the mode; the rest is the server's bytes.
///
/// | `byte & 1` | mode                                                                     |
/// | ---------- | ------------------------------------------------------------------------ |
/// | 0          | a server stream, decoded frame by frame and fed to a `ServerLoginMachine` |
/// | 1          | SCRAM messages alone: server-first, NUL, server-final[, NUL, another]     |
///
/// `(byte >> 1) % 4` picks the credentials: a plaintext password, an md5 secret, a SCRAM
/// secret with a recovered ClientKey, or none.
enum BackendTarget {
    static let user = "fuzz"
    static let password = "fuzz-password"
    /// The proxy's nonce part: fixed, so that seeds can hold a whole valid exchange.
    static let clientNonceBytes: [UInt8] = Array(200..<218)
    static let clientNonce = ScramNonce(randomBytes: clientNonceBytes)
    static let scramSalt: [UInt8] = Array(0..<16)
    /// The secret's iteration count, and that of the seeds' logins: low, see `iterationBudget`.
    static let scramIterations = 16
    static let scramSecret = ScramSecret.derive(password: password, salt: scramSalt, iterations: scramIterations)
    /// The ClientKey a client's SCRAM login against `scramSecret` would have revealed.
    static let recoveredClientKey = ScramKeys.clientKey(
        ScramKeys.saltedPassword(Array(password.utf8), salt: scramSalt, iterations: scramIterations))
    /// The most iterations a server-first may ask for here. Up to `clientMaximum` (10^6) is
    /// accepted by design; each costs a PBKDF2 round in OpenSSL (milliseconds at PostgreSQL's
    /// 4096), which only slows the fuzzer down without reaching other code, so inputs asking
    /// for more are skipped.
    static let iterationBudget = 64

    static func credentials(_ selector: UInt8) -> ServerLoginCredentials {
        switch (selector >> 1) % 4 {
        case 0: ServerLoginCredentials(user: user, secret: .plaintext(password))
        case 1: ServerLoginCredentials(user: user, secret: .md5(MD5Password.secret(user: user, password: password)))
        case 2: ServerLoginCredentials(user: user, secret: .scramSHA256(scramSecret), recoveredClientKey: recoveredClientKey)
        default: ServerLoginCredentials(user: user, secret: nil)
        }
    }

    static func run(_ bytes: UnsafeRawBufferPointer) {
        guard let first = bytes.first else { return }
        let rest = UnsafeRawBufferPointer(rebasing: bytes[1...])
        if first & 1 == 0 {
            self.serverStream(rest, credentials: self.credentials(first))
        } else {
            self.scramOnly(Array(rest), credentials: self.credentials(first))
        }
    }

    /// Whether a server-first-message asks for more iterations than the budget.
    static func exceedsIterationBudget(_ message: [UInt8]) -> Bool {
        var index = 0
        while index + 3 <= message.count {
            if message[index] == UInt8(ascii: ","), message[index + 1] == UInt8(ascii: "i"),
                message[index + 2] == UInt8(ascii: "=")
            {
                let digits = message[(index + 3)...].prefix { $0 != UInt8(ascii: ",") }
                if let count = ScramIterationCount.parse(digits, maximum: ScramIterationCount.clientMaximum),
                    count > iterationBudget
                {
                    return true
                }
            }
            index += 1
        }
        return false
    }

    // MARK: - Server stream

    static func serverStream(_ bytes: UnsafeRawBufferPointer, credentials: ServerLoginCredentials) {
        var machine = ServerLoginMachine(credentials: credentials)
        FuzzStream.forEachMessage(DecodedBackendMessage.self, in: bytes, from: 0) { message in
            if case .authentication(.saslContinue(let data)) = message, self.exceedsIterationBudget(data) { return false }
            self.feed(message, to: &machine)
            return true
        }
    }

    static func feed(_ message: DecodedBackendMessage, to machine: inout ServerLoginMachine) {
        let before = machine.state
        let action = machine.messageReceived(message, nonce: clientNonceBytes)
        let after = machine.state
        switch action {
        case .none:
            break
        case .send(let bytes):
            self.checkSent(bytes, for: message)
        case .succeeded:
            guard case .startingUp = before, case .succeeded = after else {
                require(false, "login succeeded going from \(before) to \(after)")
                return
            }
        case .failed:
            guard case .failed = after else {
                require(false, "failed login left in state \(after)")
                return
            }
        }
        switch (before, after) {
        case (.scram, .startingUp), (.scram, .succeeded):
            // AuthenticationOk without a verified server signature would trust an impostor.
            require(false, "login left SCRAM for \(after) on \(message)")
        case (.scram(let exchange), .awaitingOk):
            require(!exchange.isSucceeded, "SCRAM already succeeded before its final message")
            guard case .authentication(.saslFinal) = message else {
                require(false, "SCRAM finished on \(message)")
                return
            }
        case (.failed, let state):
            guard case .failed = state else {
                require(false, "a failed login moved to \(state)")
                return
            }
        default:
            break
        }
    }

    /// What the machine writes must be exactly one well-formed password-family message.
    static func checkSent(_ bytes: [UInt8], for message: DecodedBackendMessage) {
        bytes.withUnsafeBytes { raw in
            let header = try? FrameHeader.parse(raw, at: 0, limit: Int(Int32.max))
            guard let header, header.frameSize == raw.count else {
                require(false, "sent bytes are not one frame: \(bytes)")
                return
            }
            let decoded = try? DecodedFrontendMessage.decode(
                header: header, body: UnsafeRawBufferPointer(rebasing: raw[FrameHeader.size...]))
            guard case .passwordFamily(let body) = decoded else {
                require(false, "sent \(String(describing: decoded)) in reply to \(message)")
                return
            }
            if case .authentication(.md5Password) = message {
                let password = try? WireReader.decode(body) { reader throws(WireDecodingError) in
                    try FrontendMessage.PasswordMessage.decode(from: &reader)
                }
                require(password?.password.utf8.count == 35 && password?.password.hasPrefix("md5") == true,
                        "md5 answer \(String(describing: password))")
            }
        }
    }

    // MARK: - SCRAM alone

    static func scramOnly(_ bytes: [UInt8], credentials: ServerLoginCredentials) {
        let credential: ScramClientExchange.Credential
        if case .scramSHA256(let secret) = credentials.secret, let key = credentials.recoveredClientKey {
            credential = .clientKey(key, secret: secret)
        } else {
            credential = .password(password)
        }
        var exchange = ScramClientExchange(credential: credential, nonce: clientNonce)
        require(exchange.clientFirstMessage == Array("n,,n=,r=".utf8) + clientNonce.bytes, "client-first \(exchange.clientFirstMessage)")
        let parts = FuzzStream.split(bytes[...], maxParts: 3)
        if self.exceedsIterationBudget(parts[0]) { return }
        switch (exchange.receiveServerFirst(parts[0]), exchange.state) {
        case (.success(let final), .awaitingServerFinal):
            let nonce = parts[0].dropFirst(2).prefix { $0 != UInt8(ascii: ",") }
            let prefix = Array("c=biws,r=".utf8) + nonce + Array(",p=".utf8)
            require(final.starts(with: prefix) && final.count == prefix.count + 44, "client-final \(final)")
        case (.failure, .failed):
            break
        case (let result, let state):
            require(false, "receiveServerFirst returned \(result) in state \(state)")
        }
        let wasAwaiting: Bool
        if case .awaitingServerFinal = exchange.state { wasAwaiting = true } else { wasAwaiting = false }
        for (index, part) in parts.dropFirst().enumerated() {
            switch (exchange.receiveServerFinal(part), exchange.state) {
            case (.success, .succeeded):
                require(index == 0 && wasAwaiting, "server-final accepted out of order")
            case (.failure(let failure), .failed):
                if index > 0 || !wasAwaiting {
                    require(failure == .malformed(.unexpectedMessage), "out-of-order server-final failed with \(failure)")
                }
            case (let result, let state):
                require(false, "receiveServerFinal returned \(result) in state \(state)")
            }
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBackend(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
    guard let data else { return 0 }
    BackendTarget.run(UnsafeRawBufferPointer(start: data, count: count))
    return 0
}
