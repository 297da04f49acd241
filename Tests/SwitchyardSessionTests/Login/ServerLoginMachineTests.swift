// ServerLoginMachineTests: transcripts of the proxy logging into a server with each method.
import SwitchyardSession
import SwitchyardWire
import Testing

@Suite struct ServerLoginMachineTests {
    static let nonce = [UInt8](repeating: 7, count: ScramNonce.randomByteCount)

    @Test func trustLoginCollectsParametersAndKeyThenSucceeds() {
        var machine = ServerLoginMachine(credentials: ServerLoginCredentials(user: "app", secret: nil))
        #expect(machine.messageReceived(.authentication(.ok), nonce: Self.nonce) == .none)
        #expect(machine.messageReceived(.parameterStatus(.init(name: "server_version", value: "15.18")), nonce: Self.nonce) == .none)
        #expect(machine.messageReceived(.backendKeyData(.init(processID: 42, secretKey: 99)), nonce: Self.nonce) == .none)
        #expect(machine.messageReceived(.readyForQuery(.init(status: .idle)), nonce: Self.nonce) == .succeeded)
        #expect(machine.parameters == ["server_version": "15.18"])
        #expect(machine.backendKey == BackendMessage.BackendKeyData(processID: 42, secretKey: 99))
    }

    @Test func cleartextRequestIsAnsweredWithThePassword() {
        var machine = ServerLoginMachine(credentials: ServerLoginCredentials(user: "app", secret: .plaintext("pw")))
        var expected = WireWriter()
        FrontendMessage.PasswordMessage(password: "pw").encode(into: &expected)
        #expect(machine.messageReceived(.authentication(.cleartextPassword), nonce: Self.nonce) == .send(expected.bytes))
    }

    /// The response's value is the auth module's PostgreSQL-checked `MD5Password` (its tests hold
    /// fixtures computed by a real server); what this checks is that the machine sends it.
    @Test func md5RequestIsAnsweredWithTheSaltedHash() {
        var machine = ServerLoginMachine(credentials: ServerLoginCredentials(user: "app", secret: .plaintext("pw")))
        let salt: [UInt8] = [1, 2, 3, 4]
        var expected = WireWriter()
        FrontendMessage.PasswordMessage(password: MD5Password.clientResponse(user: "app", password: "pw", salt: salt))
            .encode(into: &expected)
        #expect(machine.messageReceived(.authentication(.md5Password(salt: salt)), nonce: Self.nonce) == .send(expected.bytes))
    }

    @Test func scramStartsWithTheInitialResponse() {
        var machine = ServerLoginMachine(credentials: ServerLoginCredentials(user: "app", secret: .plaintext("pw")))
        guard case .send(let bytes) = machine.messageReceived(.authentication(.sasl(mechanisms: ["SCRAM-SHA-256"])), nonce: Self.nonce)
        else {
            Issue.record("expected SASLInitialResponse")
            return
        }
        #expect(bytes.first == UInt8(ascii: "p"))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("SCRAM-SHA-256"))
        #expect(text.contains("n,,n=,r="))
    }

    @Test func okBeforeTheScramExchangeEndsIsAProtocolViolation() {
        var machine = ServerLoginMachine(credentials: ServerLoginCredentials(user: "app", secret: .plaintext("pw")))
        _ = machine.messageReceived(.authentication(.sasl(mechanisms: ["SCRAM-SHA-256"])), nonce: Self.nonce)
        guard case .failed(.protocolViolation) = machine.messageReceived(.authentication(.ok), nonce: Self.nonce) else {
            Issue.record("a server skipping SASLFinal must not be trusted")
            return
        }
    }

    @Test func serverErrorRejectsTheLogin() {
        var machine = ServerLoginMachine(credentials: ServerLoginCredentials(user: "app", secret: .plaintext("pw")))
        let fields = BackendMessage.ErrorFields(fields: [(0x53, "FATAL"), (0x43, "28P01"), (0x4D, "password authentication failed")])
        #expect(machine.messageReceived(.errorResponse(fields), nonce: Self.nonce) == .failed(.rejected(fields)))
        #expect(machine.messageReceived(.readyForQuery(.init(status: .idle)), nonce: Self.nonce) != .succeeded)
    }

    @Test func readyForQueryBeforeAuthenticationIsAProtocolViolation() {
        var machine = ServerLoginMachine(credentials: ServerLoginCredentials(user: "app", secret: nil))
        guard case .failed(.protocolViolation) = machine.messageReceived(.readyForQuery(.init(status: .idle)), nonce: Self.nonce)
        else {
            Issue.record("expected a protocol violation")
            return
        }
    }

    @Test func missingCredentialFailsWithoutSendingAnything() {
        var machine = ServerLoginMachine(credentials: ServerLoginCredentials(user: "app", secret: nil))
        #expect(
            machine.messageReceived(.authentication(.cleartextPassword), nonce: Self.nonce)
                == .failed(.authentication(.missingCredential(.cleartextPassword)))
        )
    }

    @Test func unsupportedMethodsFail() {
        var machine = ServerLoginMachine(credentials: ServerLoginCredentials(user: "app", secret: .plaintext("pw")))
        guard case .failed(.unsupportedMethod) = machine.messageReceived(.authentication(.gss), nonce: Self.nonce) else {
            Issue.record("GSSAPI is not supported")
            return
        }
    }
}
