// AuthFailure: why a password or SCRAM exchange failed, split by the SQLSTATE it leads to.

/// Why an authentication exchange failed.
///
/// When the proxy verifies a client, `.badPassword` becomes FATAL 28P01
/// `password authentication failed for user "x"` (for an unknown user too, so that no one can
/// probe which users exist) and `.malformed` becomes FATAL 08P01. When the proxy logs into a
/// server, every case is a failed server login.
package enum AuthFailure: Error, Hashable, Sendable {
    /// The password, md5 response or SCRAM proof does not match the secret (or the user is unknown).
    case badPassword
    /// The peer sent something the exchange does not allow.
    case malformed(Malformation)
    /// The proxy holds no credential that can answer what this server asks for; see
    /// `ServerLoginCredentials`.
    case missingCredential(AuthMethod)

    /// A protocol violation in a password or SCRAM message.
    package enum Malformation: Error, Hashable, Sendable {
        /// A message arrived when the exchange did not expect one (out of order, or after it ended).
        case unexpectedMessage
        /// The message is empty or ends in the middle of an attribute.
        case truncated
        /// The message is longer than any valid message of this exchange.
        case tooLong
        /// The message is not valid UTF-8 or contains NUL.
        case invalidEncoding
        /// The GS2 header is not `n,,`, `y,,` or `p=<type>,,`.
        case invalidGS2Header
        /// The client named an authorization identity (`a=`), which PostgreSQL does not support.
        case authorizationIdentityNotSupported
        /// The client asked for channel binding (`p=` or the PLUS mechanism) where none is available.
        case channelBindingNotSupported
        /// The client selected SCRAM-SHA-256-PLUS but its GS2 header (`n` or `y`) binds nothing.
        case channelBindingMissing
        /// The client selected SCRAM-SHA-256 but its GS2 header (`p=`) asks for binding.
        case channelBindingUnexpected
        /// The client sent `y` (it could bind, but thinks the server cannot) on a connection that
        /// offers binding: a possible downgrade. PostgreSQL answers 28000, not 08P01.
        case channelBindingDowngrade
        /// The client asked for a channel-binding type other than `tls-server-end-point`.
        case unsupportedChannelBindingType(String)
        /// The message carries the reserved mandatory extension `m=` (RFC 5802 §5.1).
        case mandatoryExtensionNotSupported
        /// The attribute with this name was expected at this point.
        case missingAttribute(Character)
        /// Text where an attribute was expected is not `letter=value`.
        case invalidAttribute
        /// The SASL user name is not a valid `saslname` (bad `=` escape).
        case invalidUsername
        /// A nonce is empty or contains a character outside printable ASCII (or a comma).
        case invalidNonce
        /// A nonce is longer than the exchange allows.
        case nonceTooLong
        /// The nonce does not continue the one sent earlier.
        case nonceMismatch
        /// The value of this attribute is not canonical padded base64.
        case invalidBase64(Character)
        /// The client proof or server signature does not have 32 bytes.
        case invalidProofLength
        /// The channel-binding attribute `c=` does not repeat the GS2 header and binding data.
        case channelBindingMismatch
        /// The iteration count is not a decimal number in the accepted range.
        case invalidIterationCount
        /// The salt is empty.
        case invalidSalt
        /// Bytes follow the last attribute the message may contain.
        case trailingData
        /// The server ended the exchange with `e=<value>`.
        case serverError(String)
        /// The server's signature does not match: it does not know the secret.
        case serverSignatureMismatch
    }
}

extension AuthFailure: CustomStringConvertible {
    /// A log line in PostgreSQL's style; never contains secret material.
    package var description: String {
        switch self {
        case .badPassword:
            "password authentication failed"
        case .malformed(let malformation):
            "malformed SCRAM message: \(malformation)"
        case .missingCredential(let method):
            "no credential to answer the server's \(method) request"
        }
    }
}

extension AuthFailure.Malformation: CustomStringConvertible {
    package var description: String {
        switch self {
        case .unexpectedMessage: "unexpected message"
        case .truncated: "message is truncated"
        case .tooLong: "message is too long"
        case .invalidEncoding: "message is not valid UTF-8"
        case .invalidGS2Header: "invalid GS2 header"
        case .authorizationIdentityNotSupported: "authorization identity is not supported"
        case .channelBindingNotSupported: "channel binding is not available on this connection"
        case .channelBindingMissing:
            "the client selected SCRAM-SHA-256-PLUS, but the SCRAM message does not include channel binding data"
        case .channelBindingUnexpected:
            "the client selected SCRAM-SHA-256 without channel binding, but the SCRAM message includes channel binding data"
        case .channelBindingDowngrade:
            "the client supports SCRAM channel binding but thinks the server does not, and this server does"
        case .unsupportedChannelBindingType(let type): "unsupported SCRAM channel-binding type \"\(type)\""
        case .mandatoryExtensionNotSupported: "mandatory extension is not supported"
        case .missingAttribute(let name): "expected attribute \"\(name)\""
        case .invalidAttribute: "invalid attribute"
        case .invalidUsername: "invalid user name"
        case .invalidNonce: "invalid nonce"
        case .nonceTooLong: "nonce is too long"
        case .nonceMismatch: "nonce does not match"
        case .invalidBase64(let name): "invalid base64 in attribute \"\(name)\""
        case .invalidProofLength: "proof has the wrong length"
        case .channelBindingMismatch: "channel binding check failed"
        case .invalidIterationCount: "invalid iteration count"
        case .invalidSalt: "invalid salt"
        case .trailingData: "garbage at end of message"
        case .serverError(let value): "server error \"\(value)\""
        case .serverSignatureMismatch: "server signature does not match"
        }
    }
}
