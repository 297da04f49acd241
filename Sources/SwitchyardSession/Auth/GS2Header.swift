// GS2Header: the channel-binding header that opens a SCRAM client-first-message.

/// The GS2 header of a client-first-message (RFC 5802 §7, RFC 5056):
///
///     gs2-header     = gs2-cbind-flag "," [ authzid ] ","
///     gs2-cbind-flag = ("p=" cb-name) / "n" / "y"
///
/// Its exact bytes come back, base64-encoded with any binding data, in the client-final
/// message's `c=` attribute.
struct GS2Header: Hashable, Sendable {
    /// The client's channel-binding flag.
    enum Flag: Hashable, Sendable {
        /// `n`: the client does not support channel binding.
        case notSupportedByClient
        /// `y`: the client supports channel binding but believes the server does not.
        case notSupportedByServer
        /// `p=<cb-name>`: the client requires binding of this type (e.g. `tls-server-end-point`).
        case required(type: String)
    }

    var flag: Flag
    /// The header's bytes, both commas included.
    var bytes: [UInt8]

    /// The header the proxy sends as a client: `n,,` (no channel binding yet).
    static let withoutBinding = GS2Header(flag: .notSupportedByClient, bytes: Array("n,,".utf8))

    /// Reads the header at the start of a client-first-message.
    ///
    /// PostgreSQL ignores the SASL authorization identity and rejects messages naming one
    /// ("client uses authorization identity, but it is not supported"); so do we.
    static func read(from reader: inout ScramMessageReader) throws(AuthFailure.Malformation) -> GS2Header {
        let flag: Flag
        if reader.consume(UInt8(ascii: "n")) {
            flag = .notSupportedByClient
        } else if reader.consume(UInt8(ascii: "y")) {
            flag = .notSupportedByServer
        } else if reader.peekAttributeName == UInt8(ascii: "p") {
            let name = try reader.read("p")
            guard !name.isEmpty, name.allSatisfy(Self.isBindingNameCharacter),
                reader.message[reader.position - 1] == UInt8(ascii: ",")
            else { throw reader.isAtEnd ? .truncated : .invalidGS2Header }
            flag = .required(type: String(decoding: name, as: UTF8.self))
        } else {
            throw reader.isAtEnd ? .truncated : .invalidGS2Header
        }
        if case .required = flag {
            // The comma after `p=<name>` was consumed with the value.
        } else if !reader.consume(UInt8(ascii: ",")) {
            throw reader.isAtEnd ? .truncated : .invalidGS2Header
        }
        if reader.peekAttributeName == UInt8(ascii: "a") {
            throw .authorizationIdentityNotSupported
        }
        guard reader.consume(UInt8(ascii: ",")) else {
            throw reader.isAtEnd ? .truncated : .invalidGS2Header
        }
        reader.markHeaderConsumed()
        return GS2Header(flag: flag, bytes: Array(reader.message[..<reader.position]))
    }

    /// RFC 5056 `cb-name = 1*(ALPHA / DIGIT / "." / "-")`.
    private static func isBindingNameCharacter(_ byte: UInt8) -> Bool {
        ScramMessageReader.isAlpha(byte) || (0x30...0x39).contains(byte) || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "-")
    }
}
