// ScramChannelBinding: what a connection can bind a SCRAM exchange to, and so which mechanisms to offer.

/// The channel binding a connection offers to SCRAM (RFC 5802 §6, RFC 5929).
///
/// Only `.unavailable` exists today, so the proxy offers SCRAM-SHA-256 alone and accepts the
/// GS2 flags `n` and `y`. SCRAM-SHA-256-PLUS over TLS adds a case carrying the
/// `tls-server-end-point` data (the hash of the proxy's certificate): with it the proxy also
/// offers `SCRAM-SHA-256-PLUS`, accepts `p=tls-server-end-point`, must reject `y` as a
/// downgrade, and `bindingData` returns the hash so the `c=` check covers it.
package enum ScramChannelBinding: Hashable, Sendable {
    /// No binding: plain TCP, or TLS without binding support.
    case unavailable

    /// The mechanism names for AuthenticationSASL, in order of preference.
    package var advertisedMechanisms: [String] {
        switch self {
        case .unavailable: [ScramChannelBinding.scramSHA256]
        }
    }

    /// The SASL mechanism name of SCRAM-SHA-256 without channel binding (RFC 7677).
    package static let scramSHA256 = "SCRAM-SHA-256"

    /// The binding data a client using `flag` must have put in `c=` after the GS2 header, or
    /// the reason it cannot be accepted on this connection.
    func bindingData(for flag: GS2Header.Flag) throws(AuthFailure.Malformation) -> [UInt8] {
        switch (self, flag) {
        case (.unavailable, .notSupportedByClient), (.unavailable, .notSupportedByServer):
            return []
        case (.unavailable, .required):
            throw .channelBindingNotSupported
        }
    }
}
