// ScramNonce: a SCRAM nonce, printable ASCII without commas, made from random bytes.
import SwitchyardCrypto

/// One side's nonce in a SCRAM exchange (RFC 5802 §5.1 `c-nonce` / `s-nonce`).
///
/// Pure code does not draw randomness: callers pass bytes from `randomBytes(count:)`, which
/// are base64-encoded here, as PostgreSQL and libpq do with 18 random bytes.
package struct ScramNonce: Hashable, Sendable {
    /// How many random bytes PostgreSQL and libpq put in a nonce; use the same.
    package static let randomByteCount = 18
    /// The longest nonce accepted from a peer, and the longest we make.
    package static let maximumLength = 256

    /// The nonce's characters as ASCII bytes.
    package let bytes: [UInt8]

    /// The base64 text of `randomBytes`.
    /// - Precondition: `randomBytes` is not empty and encodes to at most `maximumLength` characters.
    package init(randomBytes: [UInt8]) {
        let encoded = Base64.encodedBytes(randomBytes)
        precondition(!encoded.isEmpty && encoded.count <= Self.maximumLength, "SCRAM nonce needs 1...192 random bytes")
        self.bytes = encoded
    }

    /// A nonce given as text (test vectors); `nil` if it is empty, too long, or has a character
    /// outside printable ASCII or a comma.
    package init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard Self.isValid(bytes[...]) else { return nil }
        self.bytes = bytes
    }

    /// RFC 5802 `printable = %x21-2B / %x2D-7E`: printable ASCII except ",".
    static func isPrintable(_ byte: UInt8) -> Bool {
        (0x21...0x2B).contains(byte) || (0x2D...0x7E).contains(byte)
    }

    static func isValid(_ bytes: ArraySlice<UInt8>, maximumLength: Int = maximumLength) -> Bool {
        !bytes.isEmpty && bytes.count <= maximumLength && bytes.allSatisfy(Self.isPrintable)
    }
}
