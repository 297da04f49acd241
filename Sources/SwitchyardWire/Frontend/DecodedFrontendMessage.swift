// DecodedFrontendMessage: any regular client message as one typed value, chosen by its type byte.

/// One fully decoded client message sent after the startup phase.
///
/// Startup-phase packets have no type byte and are `StartupPacket`s. 'p' stays opaque here:
/// PasswordMessage, SASLInitialResponse and SASLResponse share the byte, and only the
/// authentication exchange knows which one the server asked for.
package enum DecodedFrontendMessage: Hashable, Sendable {
    case bind(FrontendMessage.Bind)
    case close(FrontendMessage.Close)
    case copyData(CopyData)
    case copyDone
    case copyFail(FrontendMessage.CopyFail)
    case describe(FrontendMessage.Describe)
    case execute(FrontendMessage.Execute)
    case flush
    case functionCall(FrontendMessage.FunctionCall)
    case parse(FrontendMessage.Parse)
    /// The body of a 'p' message; decode it with `PasswordMessage`, `SASLInitialResponse` or
    /// `SASLResponse` once the authentication state says which.
    case passwordFamily([UInt8])
    case query(FrontendMessage.Query)
    case sync
    case terminate

    /// Decodes the message `header` introduces.
    ///
    /// - Parameter body: exactly the `header.bodySize` bytes after the header.
    /// - Throws: `unknownMessageType` for a type byte no client message has; otherwise whatever
    ///   the message's own decoder finds wrong.
    package static func decode(header: FrameHeader, body: UnsafeRawBufferPointer) throws(WireDecodingError) -> DecodedFrontendMessage {
        let id = try FrontendMessageID(validating: header.id)
        try header.requireBody(body)
        var reader = WireReader(body)
        switch id {
        case .bind: return .bind(try .decode(from: &reader))
        case .close: return .close(try .decode(from: &reader))
        case .copyData: return .copyData(CopyData.decode(from: &reader))
        case .copyFail: return .copyFail(try .decode(from: &reader))
        case .describe: return .describe(try .decode(from: &reader))
        case .execute: return .execute(try .decode(from: &reader))
        case .functionCall: return .functionCall(try .decode(from: &reader))
        case .parse: return .parse(try .decode(from: &reader))
        case .password: return .passwordFamily(reader.readRemainingBytes())
        case .query: return .query(try .decode(from: &reader))
        case .copyDone: return try Self.empty(.copyDone, &reader)
        case .flush: return try Self.empty(.flush, &reader)
        case .sync: return try Self.empty(.sync, &reader)
        case .terminate: return try Self.empty(.terminate, &reader)
        }
    }

    /// A message without a body: anything after the header is malformed.
    private static func empty(_ message: Self, _ reader: inout WireReader) throws(WireDecodingError) -> Self {
        try reader.expectEnd()
        return message
    }

    /// The message's type byte.
    package var id: FrontendMessageID {
        switch self {
        case .bind: return .bind
        case .close: return .close
        case .copyData: return .copyData
        case .copyDone: return .copyDone
        case .copyFail: return .copyFail
        case .describe: return .describe
        case .execute: return .execute
        case .flush: return .flush
        case .functionCall: return .functionCall
        case .parse: return .parse
        case .passwordFamily: return .password
        case .query: return .query
        case .sync: return .sync
        case .terminate: return .terminate
        }
    }

    /// Encodes the message, header included.
    package func encode(into writer: inout WireWriter) {
        switch self {
        case .bind(let message): message.encode(into: &writer)
        case .close(let message): message.encode(into: &writer)
        case .copyData(let message): message.encode(into: &writer)
        case .copyFail(let message): message.encode(into: &writer)
        case .describe(let message): message.encode(into: &writer)
        case .execute(let message): message.encode(into: &writer)
        case .functionCall(let message): message.encode(into: &writer)
        case .parse(let message): message.encode(into: &writer)
        case .passwordFamily(let body): writer.writeMessage(FrontendMessageID.password.rawValue) { $0.writeBytes(body) }
        case .query(let message): message.encode(into: &writer)
        case .copyDone, .flush, .sync, .terminate: FrontendMessage.encodeEmpty(self.id, into: &writer)
        }
    }
}
