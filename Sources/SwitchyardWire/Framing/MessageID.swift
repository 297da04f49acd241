// Message type bytes of protocol v3, one enum per direction.
// https://www.postgresql.org/docs/15/protocol-message-formats.html

/// The first byte of every regular message a client sends.
package enum FrontendMessageID: UInt8, Sendable, CaseIterable {
    case bind = 0x42  // 'B'
    case close = 0x43  // 'C'
    case copyData = 0x64  // 'd'
    case copyDone = 0x63  // 'c'
    case copyFail = 0x66  // 'f'
    case describe = 0x44  // 'D'
    case execute = 0x45  // 'E'
    case flush = 0x48  // 'H'
    case functionCall = 0x46  // 'F'
    case parse = 0x50  // 'P'
    /// PasswordMessage, SASLInitialResponse and SASLResponse share 'p'; the auth state tells which.
    case password = 0x70  // 'p'
    case query = 0x51  // 'Q'
    case sync = 0x53  // 'S'
    case terminate = 0x58  // 'X'
}

/// The first byte of every message a server sends.
package enum BackendMessageID: UInt8, Sendable, CaseIterable {
    case authentication = 0x52  // 'R'
    case backendKeyData = 0x4B  // 'K'
    case bindComplete = 0x32  // '2'
    case closeComplete = 0x33  // '3'
    case commandComplete = 0x43  // 'C'
    case copyBothResponse = 0x57  // 'W'
    case copyData = 0x64  // 'd'
    case copyDone = 0x63  // 'c'
    case copyInResponse = 0x47  // 'G'
    case copyOutResponse = 0x48  // 'H'
    case dataRow = 0x44  // 'D'
    case emptyQueryResponse = 0x49  // 'I'
    case errorResponse = 0x45  // 'E'
    case functionCallResponse = 0x56  // 'V'
    case negotiateProtocolVersion = 0x76  // 'v'
    case noData = 0x6E  // 'n'
    case noticeResponse = 0x4E  // 'N'
    case notificationResponse = 0x41  // 'A'
    case parameterDescription = 0x74  // 't'
    case parameterStatus = 0x53  // 'S'
    case parseComplete = 0x31  // '1'
    case portalSuspended = 0x73  // 's'
    case readyForQuery = 0x5A  // 'Z'
    case rowDescription = 0x54  // 'T'
}

extension FrontendMessageID {
    /// The ID for a type byte a client sent, or `unknownMessageType` when no frontend message has it.
    package init(validating byte: UInt8) throws(WireDecodingError) {
        guard let id = FrontendMessageID(rawValue: byte) else { throw .unknownMessageType(byte) }
        self = id
    }
}

extension BackendMessageID {
    /// The ID for a type byte a server sent, or `unknownMessageType` when no backend message has it.
    package init(validating byte: UInt8) throws(WireDecodingError) {
        guard let id = BackendMessageID(rawValue: byte) else { throw .unknownMessageType(byte) }
        self = id
    }
}

extension FrameHeader {
    /// Checks that `body` is exactly the body this header announces, before a typed decode.
    func requireBody(_ body: UnsafeRawBufferPointer) throws(WireDecodingError) {
        if body.count < self.bodySize { throw .truncated(field: "message body") }
        if body.count > self.bodySize { throw .trailingBytes(body.count - self.bodySize) }
    }
}
