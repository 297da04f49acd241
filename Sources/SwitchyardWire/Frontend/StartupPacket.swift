// StartupPacket: the untyped packets a client may send before authentication.
// https://www.postgresql.org/docs/15/protocol-message-formats.html (StartupMessage, SSLRequest,
// GSSENCRequest, CancelRequest)

/// One startup-phase packet, decoded from its header code and body.
package enum StartupPacket: Hashable, Sendable {
    /// StartupMessage: protocol version and the session parameters (`user`, `database`, ...).
    case startup(StartupMessage)
    /// SSLRequest: the client asks for TLS before anything else.
    case sslRequest
    /// GSSENCRequest: the client asks for GSSAPI encryption.
    case gssEncRequest
    /// CancelRequest: cancel the query running on the session with this key.
    case cancel(CancelRequest)

    /// "1234 in the most significant 16 bits, and 5679 in the least": SSLRequest's code.
    package static let sslRequestCode: UInt32 = 80_877_103
    /// "1234 in the most significant 16 bits, and 5680 in the least": GSSENCRequest's code.
    package static let gssEncRequestCode: UInt32 = 80_877_104
    /// "1234 in the most significant 16 bits, and 5678 in the least": CancelRequest's code.
    package static let cancelRequestCode: UInt32 = 80_877_102
    /// Protocol 3.0: major version 3 in the most significant 16 bits, minor 0 in the least.
    package static let protocolVersion3: UInt32 = 196_608

    /// Decodes a packet given its header and the bytes after the 8-byte header.
    package static func decode(header: StartupHeader, body: UnsafeRawBufferPointer) throws(WireDecodingError) -> StartupPacket {
        var reader = WireReader(body)
        switch header.code {
        case Self.sslRequestCode:
            try reader.expectEnd()
            return .sslRequest
        case Self.gssEncRequestCode:
            try reader.expectEnd()
            return .gssEncRequest
        case Self.cancelRequestCode:
            let processID = try reader.readInt32("process ID")
            let secretKey = try reader.readInt32("secret key")
            try reader.expectEnd()
            return .cancel(CancelRequest(processID: processID, secretKey: secretKey))
        default:
            guard header.code >> 16 == 3 else { throw .unknownStartupCode(header.code) }
            return .startup(try StartupMessage.decode(version: header.code, from: &reader))
        }
    }

    /// Encodes the packet with its length prefix.
    package func encode(into writer: inout WireWriter) {
        writer.writeLengthPrefixed { writer in
            switch self {
            case .sslRequest: writer.writeInt32(Int32(bitPattern: Self.sslRequestCode))
            case .gssEncRequest: writer.writeInt32(Int32(bitPattern: Self.gssEncRequestCode))
            case .cancel(let request):
                writer.writeInt32(Int32(bitPattern: Self.cancelRequestCode))
                writer.writeInt32(request.processID)
                writer.writeInt32(request.secretKey)
            case .startup(let message):
                writer.writeInt32(Int32(bitPattern: message.protocolVersion))
                for (name, value) in message.parameters {
                    writer.writeCString(name)
                    writer.writeCString(value)
                }
                writer.writeUInt8(0)
            }
        }
    }
}

/// StartupMessage: the protocol version and name/value pairs, terminated by an empty name.
package struct StartupMessage: Hashable, Sendable {
    /// Major version in the high 16 bits, minor in the low 16 bits.
    package var protocolVersion: UInt32
    /// Parameters in the order sent. `user` is required; `database` defaults to the user name.
    package var parameters: [(String, String)]

    package init(protocolVersion: UInt32 = StartupPacket.protocolVersion3, parameters: [(String, String)]) {
        self.protocolVersion = protocolVersion
        self.parameters = parameters
    }

    /// The value of the last occurrence of `name`, as PostgreSQL keeps the last one.
    package func value(of name: String) -> String? {
        self.parameters.last(where: { $0.0 == name })?.1
    }

    /// A startup packet may hold at most this many parameters; PostgreSQL's 10,000-byte packet
    /// limit bounds them anyway, this keeps hostile input cheap.
    package static let maximumParameterCount = 1000

    static func decode(version: UInt32, from reader: inout WireReader) throws(WireDecodingError) -> StartupMessage {
        var parameters: [(String, String)] = []
        while true {
            let name = try reader.readCString("parameter name")
            if name.isEmpty { break }
            let value = try reader.readCString("parameter value")
            parameters.append((name, value))
            if parameters.count > Self.maximumParameterCount {
                throw .invalidValue(field: "parameter count", value: parameters.count)
            }
        }
        try reader.expectEnd()
        return StartupMessage(protocolVersion: version, parameters: parameters)
    }

    package static func == (lhs: StartupMessage, rhs: StartupMessage) -> Bool {
        lhs.protocolVersion == rhs.protocolVersion && lhs.parameters.elementsEqual(rhs.parameters, by: ==)
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(self.protocolVersion)
        for (name, value) in self.parameters {
            hasher.combine(name)
            hasher.combine(value)
        }
    }
}

/// CancelRequest: the key a server (or the proxy) handed out in BackendKeyData.
package struct CancelRequest: Hashable, Sendable {
    package var processID: Int32
    package var secretKey: Int32

    package init(processID: Int32, secretKey: Int32) {
        self.processID = processID
        self.secretKey = secretKey
    }
}
