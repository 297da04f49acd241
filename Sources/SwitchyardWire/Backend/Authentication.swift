// Authentication ('R'): every authentication request and result a server sends.
// https://www.postgresql.org/docs/15/protocol-message-formats.html

extension BackendMessage {
    /// The Authentication* family, told apart by the Int32 code after the length.
    package enum Authentication: Hashable, Sendable {
        /// AuthenticationOk (0).
        case ok
        /// AuthenticationKerberosV5 (2): unsupported by modern servers, decoded for completeness.
        case kerberosV5
        /// AuthenticationCleartextPassword (3).
        case cleartextPassword
        /// AuthenticationMD5Password (5) with its 4-byte salt.
        case md5Password(salt: [UInt8])
        /// AuthenticationSCMCredential (6).
        case scmCredential
        /// AuthenticationGSS (7).
        case gss
        /// AuthenticationGSSContinue (8) with GSSAPI or SSPI data.
        case gssContinue(data: [UInt8])
        /// AuthenticationSSPI (9).
        case sspi
        /// AuthenticationSASL (10) with the mechanisms the server offers, in its order of preference.
        case sasl(mechanisms: [String])
        /// AuthenticationSASLContinue (11) with the mechanism's challenge.
        case saslContinue(data: [UInt8])
        /// AuthenticationSASLFinal (12) with the mechanism's outcome ("additional data").
        case saslFinal(data: [UInt8])

        package static func decode(from reader: inout WireReader) throws(WireDecodingError) -> Authentication {
            let code = try reader.readInt32("authentication code")
            let message: Authentication
            switch code {
            case 0: message = .ok
            case 2: message = .kerberosV5
            case 3: message = .cleartextPassword
            case 5: message = .md5Password(salt: try reader.readBytes(4, "salt"))
            case 6: message = .scmCredential
            case 7: message = .gss
            case 8: message = .gssContinue(data: reader.readRemainingBytes())
            case 9: message = .sspi
            case 10:
                var mechanisms: [String] = []
                while true {
                    let name = try reader.readCString("mechanism")
                    if name.isEmpty { break }
                    mechanisms.append(name)
                }
                message = .sasl(mechanisms: mechanisms)
            case 11: message = .saslContinue(data: reader.readRemainingBytes())
            case 12: message = .saslFinal(data: reader.readRemainingBytes())
            default: throw .invalidValue(field: "authentication code", value: Int(code))
            }
            try reader.expectEnd()
            return message
        }

        package func encode(into writer: inout WireWriter) {
            writer.writeMessage(BackendMessageID.authentication.rawValue) { writer in
                switch self {
                case .ok: writer.writeInt32(0)
                case .kerberosV5: writer.writeInt32(2)
                case .cleartextPassword: writer.writeInt32(3)
                case .md5Password(let salt):
                    writer.writeInt32(5)
                    writer.writeBytes(salt)
                case .scmCredential: writer.writeInt32(6)
                case .gss: writer.writeInt32(7)
                case .gssContinue(let data):
                    writer.writeInt32(8)
                    writer.writeBytes(data)
                case .sspi: writer.writeInt32(9)
                case .sasl(let mechanisms):
                    writer.writeInt32(10)
                    for mechanism in mechanisms { writer.writeCString(mechanism) }
                    writer.writeUInt8(0)
                case .saslContinue(let data):
                    writer.writeInt32(11)
                    writer.writeBytes(data)
                case .saslFinal(let data):
                    writer.writeInt32(12)
                    writer.writeBytes(data)
                }
            }
        }
    }
}
