// ScramServerExchange: the proxy verifying a client's SCRAM-SHA-256 login (RFC 5802, PostgreSQL dialect).
import SwitchyardCrypto

/// Verifies one client's SCRAM-SHA-256 login against a stored secret.
///
/// The daemon feeds the SASLInitialResponse data to `receiveClientFirst(_:)` and sends the result
/// in AuthenticationSASLContinue; it feeds the SASLResponse data to `receiveClientFinal(_:)` and
/// sends the result in AuthenticationSASLFinal, then AuthenticationOk. Any failure ends the
/// exchange: `.badPassword` → FATAL 28P01, `.malformed` → FATAL 08P01.
///
/// PostgreSQL's dialect (protocol docs, "SASL Authentication"): the user name in the
/// client-first-message is ignored (libpq sends `n=,`) because the startup message already named
/// the user, and an authorization identity is refused. Unknown users get an exchange from
/// `init(mockFor:mockKey:nonce:)`, which behaves the same but always ends in `.badPassword`.
package struct ScramServerExchange: Sendable {
    /// Where the exchange stands.
    package enum State: Sendable {
        /// Waiting for the client-first-message.
        case awaitingClientFirst
        /// The server-first-message was produced; waiting for the client-final-message.
        case awaitingClientFinal(Transcript)
        /// The client proved it knows the password. `clientKey` is recovered from its proof
        /// (ClientProof XOR ClientSignature): it lets the proxy log into servers that hold the
        /// same secret, without the password. Keep it in memory only.
        case succeeded(clientKey: [UInt8])
        /// The exchange failed; it accepts no further message.
        case failed
    }

    /// What the final step needs from the first.
    package struct Transcript: Sendable {
        var gs2Header: [UInt8]
        var bindingData: [UInt8]
        var clientFirstBare: [UInt8]
        var serverFirst: [UInt8]
        /// Client nonce followed by server nonce.
        var combinedNonce: [UInt8]
    }

    package private(set) var state: State = .awaitingClientFirst
    private let secret: ScramSecret
    private let nonce: ScramNonce
    /// What the connection can bind the exchange to; decides the mechanisms offered.
    package let channelBinding: ScramChannelBinding
    /// Set for unknown users: the exchange runs in full but can never succeed.
    private let isDoomed: Bool

    /// An exchange verifying a client against `secret`.
    ///
    /// For a user configured with a plaintext password, pass the secret derived from it once
    /// (`StoredSecret.clientAuthMethod(derivationSalt:)`), not a fresh derivation per login.
    /// - Parameter nonce: the server's part of the nonce, from fresh random bytes.
    package init(secret: ScramSecret, nonce: ScramNonce, channelBinding: ScramChannelBinding = .unavailable) {
        self.init(secret: secret, nonce: nonce, channelBinding: channelBinding, isDoomed: false)
    }

    init(secret: ScramSecret, nonce: ScramNonce, channelBinding: ScramChannelBinding, isDoomed: Bool) {
        self.secret = secret
        self.nonce = nonce
        self.channelBinding = channelBinding
        self.isDoomed = isDoomed
    }

    /// The ClientKey recovered from a successful exchange, else `nil`.
    package var clientKey: [UInt8]? {
        switch self.state {
        case .succeeded(let clientKey): clientKey
        case .awaitingClientFirst, .awaitingClientFinal, .failed: nil
        }
    }

    // MARK: - client-first-message

    /// Takes the client-first-message; returns the server-first-message.
    ///
    ///     client-first-message = gs2-header [reserved-mext ","] username "," nonce ["," extensions]
    ///     server-first-message = "r=" c-nonce s-nonce "," "s=" salt "," "i=" iteration-count
    ///
    /// - Parameter mechanism: the mechanism the SASLInitialResponse selected, one of the
    ///   channel binding's `advertisedMechanisms`; it decides which GS2 headers are acceptable.
    package mutating func receiveClientFirst(
        _ message: [UInt8],
        mechanism: String = ScramChannelBinding.scramSHA256
    ) -> Result<[UInt8], AuthFailure> {
        switch self.state {
        case .awaitingClientFirst:
            do {
                let transcript = try self.parseClientFirst(message, mechanism: mechanism)
                self.state = .awaitingClientFinal(transcript)
                return .success(transcript.serverFirst)
            } catch {
                return self.fail(.malformed(error))
            }
        case .awaitingClientFinal, .succeeded, .failed:
            return self.fail(.malformed(.unexpectedMessage))
        }
    }

    private func parseClientFirst(_ message: [UInt8], mechanism: String) throws(AuthFailure.Malformation) -> Transcript {
        var reader = try ScramMessageReader(message)
        let header = try GS2Header.read(from: &reader)
        let bindingData = try self.channelBinding.bindingData(for: header.flag, mechanism: mechanism)
        let bareStart = reader.position
        if reader.peekAttributeName == UInt8(ascii: "m") { throw .mandatoryExtensionNotSupported }
        // PostgreSQL ignores the name (the startup message named the user), but it must still be
        // a well-formed saslname.
        guard Self.isValidSASLName(try reader.read("n")) else { throw .invalidUsername }
        let clientNonce = try reader.read("r")
        guard clientNonce.count <= ScramNonce.maximumLength else { throw .nonceTooLong }
        guard ScramNonce.isValid(clientNonce) else { throw .invalidNonce }
        // Optional extensions "MUST be ignored" (RFC 5802 §7), as PostgreSQL does.
        while !reader.isAtEnd {
            try reader.readAny()
        }
        try reader.expectEnd()

        let combinedNonce = Array(clientNonce) + self.nonce.bytes
        var serverFirst = Array("r=".utf8) + combinedNonce
        serverFirst += Array(",s=".utf8) + Base64.encodedBytes(self.secret.salt)
        serverFirst += Array(",i=\(self.secret.iterations)".utf8)
        return Transcript(
            gs2Header: header.bytes,
            bindingData: bindingData,
            clientFirstBare: Array(message[bareStart...]),
            serverFirst: serverFirst,
            combinedNonce: combinedNonce
        )
    }

    /// RFC 5802 `saslname`: no "," and "=" only in the escapes "=2C" and "=3D". PostgreSQL's
    /// clients send it empty.
    static func isValidSASLName(_ name: ArraySlice<UInt8>) -> Bool {
        var index = name.startIndex
        while index < name.endIndex {
            if name[index] == UInt8(ascii: "=") {
                guard index + 2 < name.endIndex else { return false }
                let escape = (name[index + 1], name[index + 2])
                guard escape == (UInt8(ascii: "2"), UInt8(ascii: "C")) || escape == (UInt8(ascii: "3"), UInt8(ascii: "D"))
                else { return false }
                index += 3
            } else {
                index += 1
            }
        }
        return true
    }

    // MARK: - client-final-message

    /// Takes the client-final-message; returns the server-final-message `v=<ServerSignature>`.
    ///
    ///     client-final-message = "c=" base64(gs2-header + binding data) "," "r=" nonce
    ///                            ["," extensions] "," "p=" base64(ClientProof)
    package mutating func receiveClientFinal(_ message: [UInt8]) -> Result<[UInt8], AuthFailure> {
        switch self.state {
        case .awaitingClientFinal(let transcript):
            return self.verifyClientFinal(message, transcript)
        case .awaitingClientFirst, .succeeded, .failed:
            return self.fail(.malformed(.unexpectedMessage))
        }
    }

    private mutating func verifyClientFinal(_ message: [UInt8], _ transcript: Transcript) -> Result<[UInt8], AuthFailure> {
        let proof: [UInt8]
        let withoutProofEnd: Int
        do {
            (proof, withoutProofEnd) = try Self.parseClientFinal(message, transcript)
        } catch {
            return self.fail(.malformed(error))
        }

        let authMessage = ScramKeys.authMessage(
            clientFirstBare: transcript.clientFirstBare,
            serverFirst: transcript.serverFirst,
            clientFinalWithoutProof: message[..<withoutProofEnd]
        )
        let clientSignature = ScramKeys.signature(key: self.secret.storedKey, authMessage: authMessage)
        let clientKey = ScramKeys.xor(proof, clientSignature)
        // The mock path computes and compares exactly as the real one, then fails regardless.
        let matches = constantTimeEquals(sha256(clientKey), self.secret.storedKey)
        guard matches && !self.isDoomed else { return self.fail(.badPassword) }

        let serverSignature = ScramKeys.signature(key: self.secret.serverKey, authMessage: authMessage)
        self.state = .succeeded(clientKey: clientKey)
        return .success(Array("v=".utf8) + Base64.encodedBytes(serverSignature))
    }

    /// Returns the ClientProof and where client-final-message-without-proof ends.
    private static func parseClientFinal(
        _ message: [UInt8],
        _ transcript: Transcript
    ) throws(AuthFailure.Malformation) -> (proof: [UInt8], withoutProofEnd: Int) {
        var reader = try ScramMessageReader(message)
        guard let binding = Base64.decode(try reader.read("c")) else { throw .invalidBase64("c") }
        guard binding == transcript.gs2Header + transcript.bindingData else { throw .channelBindingMismatch }
        guard try reader.read("r").elementsEqual(transcript.combinedNonce) else { throw .nonceMismatch }
        // Extensions may sit between the nonce and the proof; the proof comes last.
        while !reader.isAtEnd && reader.peekAttributeName != UInt8(ascii: "p") {
            try reader.readAny()
        }
        let withoutProofEnd = reader.position - 1
        guard let proof = Base64.decode(try reader.read("p")) else { throw .invalidBase64("p") }
        guard proof.count == ScramKeys.length else { throw .invalidProofLength }
        try reader.expectEnd()
        return (proof, withoutProofEnd)
    }

    private mutating func fail(_ failure: AuthFailure) -> Result<[UInt8], AuthFailure> {
        self.state = .failed
        return .failure(failure)
    }
}
