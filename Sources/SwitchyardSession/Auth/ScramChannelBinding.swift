// ScramChannelBinding: what a connection can bind a SCRAM exchange to, and so which mechanisms to offer.

/// The channel binding a connection offers to SCRAM (RFC 5802 §6, RFC 5929).
///
/// Over plain TCP the proxy offers SCRAM-SHA-256 alone. Over TLS it offers SCRAM-SHA-256-PLUS
/// first, with the `tls-server-end-point` data (the hash of the proxy's certificate), then
/// SCRAM-SHA-256, as PostgreSQL does. What a client-first-message may then carry follows
/// PostgreSQL 15's `read_client_first_message` (src/backend/libpq/auth-scram.c).
package enum ScramChannelBinding: Hashable, Sendable {
    /// No binding: plain TCP, or TLS with a certificate whose hash is undefined (RFC 5929 §4.1).
    case unavailable
    /// TLS: `tls-server-end-point` with this hash of the proxy's certificate.
    case tlsServerEndPoint([UInt8])

    /// The mechanism names for AuthenticationSASL, in order of preference.
    package var advertisedMechanisms: [String] {
        switch self {
        case .unavailable: [ScramChannelBinding.scramSHA256]
        case .tlsServerEndPoint: [ScramChannelBinding.scramSHA256Plus, ScramChannelBinding.scramSHA256]
        }
    }

    /// The SASL mechanism name of SCRAM-SHA-256 without channel binding (RFC 7677).
    package static let scramSHA256 = "SCRAM-SHA-256"
    /// The SASL mechanism name of SCRAM-SHA-256 with channel binding (RFC 7677).
    package static let scramSHA256Plus = "SCRAM-SHA-256-PLUS"
    /// The channel-binding type name of RFC 5929 §4, the only one PostgreSQL supports.
    package static let tlsServerEndPointName = "tls-server-end-point"

    /// The binding data a client that selected `mechanism` and sent `flag` must have put in `c=`
    /// after the GS2 header, or the reason it cannot be accepted on this connection.
    func bindingData(for flag: GS2Header.Flag, mechanism: String) throws(AuthFailure.Malformation) -> [UInt8] {
        let selectsPlus = mechanism == Self.scramSHA256Plus
        switch (self, flag) {
        case (.unavailable, .notSupportedByClient), (.unavailable, .notSupportedByServer):
            guard !selectsPlus else { throw .channelBindingNotSupported }
            return []
        case (.unavailable, .required):
            throw .channelBindingNotSupported
        case (.tlsServerEndPoint, .notSupportedByClient):
            guard !selectsPlus else { throw .channelBindingMissing }
            return []
        case (.tlsServerEndPoint, .notSupportedByServer):
            guard !selectsPlus else { throw .channelBindingMissing }
            // The client could bind but thinks the server cannot: someone may have removed the
            // PLUS mechanism from the list it saw (RFC 5802 §6, downgrade protection).
            throw .channelBindingDowngrade
        case (.tlsServerEndPoint(let hash), .required(let type)):
            guard selectsPlus else { throw .channelBindingUnexpected }
            guard type == Self.tlsServerEndPointName else { throw .unsupportedChannelBindingType(type) }
            return hash
        }
    }
}
