// DecodedBackendMessage: any server message as one typed value, chosen by its type byte.

/// One fully decoded server message.
///
/// The forwarding path reads headers only; this is for the places that need every message typed:
/// fuzzing, transcripts, tools that print a session. Empty-bodied messages are plain cases.
package enum DecodedBackendMessage: Hashable, Sendable {
    case authentication(BackendMessage.Authentication)
    case backendKeyData(BackendMessage.BackendKeyData)
    case bindComplete
    case closeComplete
    case commandComplete(BackendMessage.CommandComplete)
    /// CopyInResponse, CopyOutResponse or CopyBothResponse; the direction tells which.
    case copyResponse(BackendMessage.CopyResponse)
    case copyData(CopyData)
    case copyDone
    case dataRow(BackendMessage.DataRow)
    case emptyQueryResponse
    case errorResponse(BackendMessage.ErrorFields)
    case functionCallResponse(BackendMessage.FunctionCallResponse)
    case negotiateProtocolVersion(BackendMessage.NegotiateProtocolVersion)
    case noData
    case noticeResponse(BackendMessage.ErrorFields)
    case notificationResponse(BackendMessage.NotificationResponse)
    case parameterDescription(BackendMessage.ParameterDescription)
    case parameterStatus(BackendMessage.ParameterStatus)
    case parseComplete
    case portalSuspended
    case readyForQuery(BackendMessage.ReadyForQuery)
    case rowDescription(BackendMessage.RowDescription)

    /// Decodes the message `header` introduces.
    ///
    /// - Parameter body: exactly the `header.bodySize` bytes after the header.
    /// - Throws: `unknownMessageType` for a type byte no server message has; otherwise whatever
    ///   the message's own decoder finds wrong.
    package static func decode(header: FrameHeader, body: UnsafeRawBufferPointer) throws(WireDecodingError) -> DecodedBackendMessage {
        let id = try BackendMessageID(validating: header.id)
        try header.requireBody(body)
        var reader = WireReader(body)
        switch id {
        case .authentication: return .authentication(try .decode(from: &reader))
        case .backendKeyData: return .backendKeyData(try .decode(from: &reader))
        case .commandComplete: return .commandComplete(try .decode(from: &reader))
        case .copyInResponse: return .copyResponse(try .decode(.copyIn, from: &reader))
        case .copyOutResponse: return .copyResponse(try .decode(.copyOut, from: &reader))
        case .copyBothResponse: return .copyResponse(try .decode(.copyBoth, from: &reader))
        case .copyData: return .copyData(CopyData.decode(from: &reader))
        case .dataRow: return .dataRow(try .decode(from: &reader))
        case .errorResponse: return .errorResponse(try .decode(from: &reader))
        case .functionCallResponse: return .functionCallResponse(try .decode(from: &reader))
        case .negotiateProtocolVersion: return .negotiateProtocolVersion(try .decode(from: &reader))
        case .noticeResponse: return .noticeResponse(try .decode(from: &reader))
        case .notificationResponse: return .notificationResponse(try .decode(from: &reader))
        case .parameterDescription: return .parameterDescription(try .decode(from: &reader))
        case .parameterStatus: return .parameterStatus(try .decode(from: &reader))
        case .readyForQuery: return .readyForQuery(try .decode(from: &reader))
        case .rowDescription: return .rowDescription(try .decode(from: &reader))
        case .bindComplete: return try Self.empty(.bindComplete, &reader)
        case .closeComplete: return try Self.empty(.closeComplete, &reader)
        case .copyDone: return try Self.empty(.copyDone, &reader)
        case .emptyQueryResponse: return try Self.empty(.emptyQueryResponse, &reader)
        case .noData: return try Self.empty(.noData, &reader)
        case .parseComplete: return try Self.empty(.parseComplete, &reader)
        case .portalSuspended: return try Self.empty(.portalSuspended, &reader)
        }
    }

    /// A message without a body: anything after the header is malformed.
    private static func empty(_ message: Self, _ reader: inout WireReader) throws(WireDecodingError) -> Self {
        try reader.expectEnd()
        return message
    }

    /// The message's type byte.
    package var id: BackendMessageID {
        switch self {
        case .authentication: return .authentication
        case .backendKeyData: return .backendKeyData
        case .bindComplete: return .bindComplete
        case .closeComplete: return .closeComplete
        case .commandComplete: return .commandComplete
        case .copyResponse(let response):
            switch response.direction {
            case .copyIn: return .copyInResponse
            case .copyOut: return .copyOutResponse
            case .copyBoth: return .copyBothResponse
            }
        case .copyData: return .copyData
        case .copyDone: return .copyDone
        case .dataRow: return .dataRow
        case .emptyQueryResponse: return .emptyQueryResponse
        case .errorResponse: return .errorResponse
        case .functionCallResponse: return .functionCallResponse
        case .negotiateProtocolVersion: return .negotiateProtocolVersion
        case .noData: return .noData
        case .noticeResponse: return .noticeResponse
        case .notificationResponse: return .notificationResponse
        case .parameterDescription: return .parameterDescription
        case .parameterStatus: return .parameterStatus
        case .parseComplete: return .parseComplete
        case .portalSuspended: return .portalSuspended
        case .readyForQuery: return .readyForQuery
        case .rowDescription: return .rowDescription
        }
    }

    /// Encodes the message, header included.
    package func encode(into writer: inout WireWriter) {
        switch self {
        case .authentication(let message): message.encode(into: &writer)
        case .backendKeyData(let message): message.encode(into: &writer)
        case .commandComplete(let message): message.encode(into: &writer)
        case .copyResponse(let message): message.encode(into: &writer)
        case .copyData(let message): message.encode(into: &writer)
        case .dataRow(let message): message.encode(into: &writer)
        case .errorResponse(let fields): fields.encode(as: .errorResponse, into: &writer)
        case .functionCallResponse(let message): message.encode(into: &writer)
        case .negotiateProtocolVersion(let message): message.encode(into: &writer)
        case .noticeResponse(let fields): fields.encode(as: .noticeResponse, into: &writer)
        case .notificationResponse(let message): message.encode(into: &writer)
        case .parameterDescription(let message): message.encode(into: &writer)
        case .parameterStatus(let message): message.encode(into: &writer)
        case .readyForQuery(let message): message.encode(into: &writer)
        case .rowDescription(let message): message.encode(into: &writer)
        case .bindComplete, .closeComplete, .copyDone, .emptyQueryResponse, .noData, .parseComplete, .portalSuspended:
            BackendMessage.encodeEmpty(self.id, into: &writer)
        }
    }
}
