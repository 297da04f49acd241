// BackendFrameLimits: the lengths a server's message may announce, by type, so broken framing is
// caught from its five-byte header instead of being waited for.
// https://www.postgresql.org/docs/15/protocol-message-formats.html

extension BackendMessageID {
    /// The most a message libpq reads whole may announce: it drops the connection when any
    /// message but RowDescription, DataRow, CopyData, FunctionCallResponse, ErrorResponse,
    /// NoticeResponse or NotificationResponse is longer (fe-protocol3.c, VALID_LONG_MESSAGE_TYPE).
    package static let shortMessageLimit = 30_000

    /// ParameterDescription: Int16 count and an Int32 OID per parameter, up to PostgreSQL's
    /// 65,535 parameters. Drivers other than libpq describe statements that large, so it gets
    /// the protocol's bound rather than libpq's.
    package static let parameterDescriptionLimit = 4 + 2 + 4 * 65_535

    /// The values the Int32 length field of a server message of type `byte` may take (it counts
    /// itself and the body), or `nil` when no backend message has that type.
    ///
    /// A cheap check for the forwarding path: one switch and, by the caller, one range test.
    /// Minimums are the fixed parts of each body; messages without a body must have none.
    @inline(__always)
    package static func lengthRange(ofType byte: UInt8) -> ClosedRange<Int>? {
        switch byte {
        // ParseComplete, BindComplete, CloseComplete, NoData, EmptyQueryResponse,
        // PortalSuspended, CopyDone: no body.
        case 0x31, 0x32, 0x33, 0x6E, 0x49, 0x73, 0x63: return 4...4
        // ReadyForQuery: the status byte.
        case 0x5A: return 5...5
        // DataRow: Int16 column count, then the columns. RowDescription: Int16 field count.
        case 0x44, 0x54: return 6...Int(Int32.max)
        // CopyData: any bytes.
        case 0x64: return 4...Int(Int32.max)
        // ErrorResponse, NoticeResponse: at least the terminating zero.
        case 0x45, 0x4E: return 5...Int(Int32.max)
        // FunctionCallResponse: Int32 value length, then the value.
        case 0x56: return 8...Int(Int32.max)
        // NotificationResponse: Int32 process ID, channel and payload strings.
        case 0x41: return 10...Int(Int32.max)
        // CommandComplete: the tag string.
        case 0x43: return 5...Self.shortMessageLimit
        // ParameterStatus: name and value strings.
        case 0x53: return 6...Self.shortMessageLimit
        // Authentication: the Int32 request code, then its data.
        case 0x52: return 8...Self.shortMessageLimit
        // BackendKeyData: process ID and a key of 4 bytes (protocol 3.0) to 256 (3.2).
        case 0x4B: return 12...(8 + 256)
        // CopyInResponse, CopyOutResponse, CopyBothResponse: Int8 format, Int16 count, formats.
        case 0x47, 0x48, 0x57: return 7...Self.shortMessageLimit
        // ParameterDescription: Int16 count, then the OIDs.
        case 0x74: return 6...Self.parameterDescriptionLimit
        // NegotiateProtocolVersion: Int32 minor version, Int32 count, option names.
        case 0x76: return 12...Self.shortMessageLimit
        default: return nil
        }
    }
}

extension FrameHeader {
    /// Checks a server message's header: a type some backend message has, and a length that
    /// type allows (see `BackendMessageID.lengthRange(ofType:)`).
    @inline(__always)
    package func checkBackend() throws(WireDecodingError) {
        guard let range = BackendMessageID.lengthRange(ofType: self.id) else { throw .unknownMessageType(self.id) }
        guard range.contains(self.length) else {
            if self.length < range.lowerBound { throw .lengthTooSmall(self.length) }
            throw .messageTooLarge(length: self.length, limit: range.upperBound)
        }
    }
}
