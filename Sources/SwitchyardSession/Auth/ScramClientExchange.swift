// ScramClientExchange: the proxy logging into a PostgreSQL server with SCRAM-SHA-256 (RFC 5802, RFC 7677).
import SwitchyardCrypto

/// Logs the proxy into one server with SCRAM-SHA-256.
///
/// Send `clientFirstMessage` in SASLInitialResponse (mechanism `SCRAM-SHA-256`), feed the data of
/// AuthenticationSASLContinue to `receiveServerFirst(_:)` and send the result in SASLResponse,
/// then feed AuthenticationSASLFinal's data to `receiveServerFinal(_:)`. Accept the server's
/// AuthenticationOk only once `isSucceeded`: a server that skips the final message has not proven
/// that it knows the secret.
package struct ScramClientExchange: Sendable {
    /// What the proxy proves knowledge of.
    package enum Credential: Hashable, Sendable {
        /// The user's password (its UTF-8 bytes; see `ScramSecret.derive` on SASLprep).
        case password(String)
        /// A ClientKey recovered from a client's successful login (`ScramServerExchange.clientKey`)
        /// with the secret it was verified against. It answers only a server whose secret has the
        /// same salt and iteration count, which holds when the proxy's secret was copied from it.
        case clientKey([UInt8], secret: ScramSecret)
    }

    /// Where the exchange stands.
    package enum State: Hashable, Sendable {
        /// `clientFirstMessage` is out; waiting for the server-first-message.
        case awaitingServerFirst
        /// The client-final-message is out; waiting for the server's signature.
        case awaitingServerFinal(expectedServerSignature: [UInt8])
        /// The server proved that it knows the secret.
        case succeeded
        /// The exchange failed; it accepts no further message.
        case failed
    }

    /// The longest server part of the combined nonce we accept.
    static let maximumServerNonceLength = ScramNonce.maximumLength

    package private(set) var state: State = .awaitingServerFirst
    /// `n,,n=<username>,r=<nonce>`: the data for SASLInitialResponse.
    package let clientFirstMessage: [UInt8]
    private let credential: Credential
    private let nonce: ScramNonce
    private let gs2Header = GS2Header.withoutBinding

    /// Starts an exchange.
    /// - Parameters:
    ///   - nonce: the client nonce, from fresh random bytes.
    ///   - username: the SASL user name. PostgreSQL ignores it (the startup message named the
    ///     user) and libpq sends it empty, so leave it empty except to reproduce test vectors.
    package init(credential: Credential, nonce: ScramNonce, username: String = "") {
        self.credential = credential
        self.nonce = nonce
        var message = self.gs2Header.bytes + Array("n=".utf8)
        for byte in username.utf8 {
            switch byte {
            case UInt8(ascii: ","): message += Array("=2C".utf8)
            case UInt8(ascii: "="): message += Array("=3D".utf8)
            default: message.append(byte)
            }
        }
        message += Array(",r=".utf8) + nonce.bytes
        self.clientFirstMessage = message
    }

    /// Whether the server has proven that it knows the secret.
    package var isSucceeded: Bool { self.state == .succeeded }

    // MARK: - server-first-message

    /// Takes the server-first-message; returns the client-final-message.
    ///
    ///     server-first-message = "r=" c-nonce s-nonce "," "s=" salt "," "i=" iteration-count
    ///
    /// Stricter than RFC 5802, which lets a server append extensions: PostgreSQL never does.
    package mutating func receiveServerFirst(_ message: [UInt8]) -> Result<[UInt8], AuthFailure> {
        switch self.state {
        case .awaitingServerFirst:
            do {
                let (combinedNonce, salt, iterations) = try self.parseServerFirst(message)
                guard let keys = self.keys(salt: salt, iterations: iterations) else {
                    return self.fail(.missingCredential(.scramSHA256))
                }
                var withoutProof = Array("c=".utf8) + Base64.encodedBytes(self.gs2Header.bytes)
                withoutProof += Array(",r=".utf8) + combinedNonce
                let authMessage = ScramKeys.authMessage(
                    clientFirstBare: Array(self.clientFirstMessage[self.gs2Header.bytes.count...]),
                    serverFirst: message,
                    clientFinalWithoutProof: withoutProof[...]
                )
                let clientSignature = ScramKeys.signature(key: sha256(keys.clientKey), authMessage: authMessage)
                let proof = ScramKeys.xor(keys.clientKey, clientSignature)
                let serverSignature = ScramKeys.signature(key: keys.serverKey, authMessage: authMessage)
                self.state = .awaitingServerFinal(expectedServerSignature: serverSignature)
                return .success(withoutProof + Array(",p=".utf8) + Base64.encodedBytes(proof))
            } catch {
                return self.fail(.malformed(error))
            }
        case .awaitingServerFinal, .succeeded, .failed:
            return self.fail(.malformed(.unexpectedMessage))
        }
    }

    private func parseServerFirst(
        _ message: [UInt8]
    ) throws(AuthFailure.Malformation) -> (nonce: [UInt8], salt: [UInt8], iterations: Int) {
        var reader = try ScramMessageReader(message)
        if reader.peekAttributeName == UInt8(ascii: "m") { throw .mandatoryExtensionNotSupported }
        let nonce = try reader.read("r")
        guard nonce.count <= self.nonce.bytes.count + Self.maximumServerNonceLength else { throw .nonceTooLong }
        guard ScramNonce.isValid(nonce, maximumLength: nonce.count) else { throw .invalidNonce }
        // The server must extend our nonce with its own part (RFC 5802 §5.1).
        guard nonce.count > self.nonce.bytes.count, nonce.starts(with: self.nonce.bytes) else { throw .nonceMismatch }
        guard let salt = Base64.decode(try reader.read("s")) else { throw .invalidBase64("s") }
        guard !salt.isEmpty else { throw .invalidSalt }
        let iterations = ScramIterationCount.parse(try reader.read("i"), maximum: ScramIterationCount.clientMaximum)
        guard let iterations else { throw .invalidIterationCount }
        try reader.expectEnd()
        return (Array(nonce), salt, iterations)
    }

    /// ClientKey and ServerKey for the server's salt and iteration count, or `nil` if the
    /// credential cannot produce them.
    private func keys(salt: [UInt8], iterations: Int) -> (clientKey: [UInt8], serverKey: [UInt8])? {
        switch self.credential {
        case .password(let password):
            let saltedPassword = ScramKeys.saltedPassword(Array(password.utf8), salt: salt, iterations: iterations)
            return (ScramKeys.clientKey(saltedPassword), ScramKeys.serverKey(saltedPassword))
        case .clientKey(let clientKey, let secret):
            // The server's StoredKey is H(ClientKey) only if its secret is the one we verified with.
            guard salt == secret.salt, iterations == secret.iterations else { return nil }
            return (clientKey, secret.serverKey)
        }
    }

    // MARK: - server-final-message

    /// Takes the server-final-message: `v=<ServerSignature>`, or `e=<error>`.
    package mutating func receiveServerFinal(_ message: [UInt8]) -> Result<Void, AuthFailure> {
        switch self.state {
        case .awaitingServerFinal(let expected):
            let signature: [UInt8]
            do throws(AuthFailure.Malformation) {
                var reader = try ScramMessageReader(message)
                if reader.peekAttributeName == UInt8(ascii: "e") {
                    // RFC 5802 §7 server-error-value; PostgreSQL reports errors in ErrorResponse instead.
                    let error = String(decoding: try reader.read("e"), as: UTF8.self)
                    return self.fail(error == "invalid-proof" ? .badPassword : .malformed(.serverError(error)))
                }
                guard let decoded = Base64.decode(try reader.read("v")) else { throw .invalidBase64("v") }
                guard decoded.count == ScramKeys.length else { throw .invalidProofLength }
                try reader.expectEnd()
                signature = decoded
            } catch {
                return self.fail(.malformed(error))
            }
            guard constantTimeEquals(signature, expected) else { return self.fail(.malformed(.serverSignatureMismatch)) }
            self.state = .succeeded
            return .success(())
        case .awaitingServerFirst, .succeeded, .failed:
            return self.fail(.malformed(.unexpectedMessage))
        }
    }

    private mutating func fail<Success>(_ failure: AuthFailure) -> Result<Success, AuthFailure> {
        self.state = .failed
        return .failure(failure)
    }
}

extension ScramClientExchange.Credential: CustomStringConvertible, CustomDebugStringConvertible {
    /// Names the kind only: both kinds are password equivalents.
    package var description: String {
        switch self {
        case .password: "password"
        case .clientKey: "recovered client key"
        }
    }

    package var debugDescription: String { self.description }
}
