// BackendMessage: the namespace of every message a server sends, with the small fixed-shape ones.
// https://www.postgresql.org/docs/15/protocol-message-formats.html

/// Messages a server sends, each a nested type with `decode(from:)` (body only) and `encode(into:)`.
package enum BackendMessage {
    /// BackendKeyData ('K'): the key a client needs to cancel this session's queries.
    package struct BackendKeyData: Hashable, Sendable {
        package var processID: Int32
        package var secretKey: Int32

        package init(processID: Int32, secretKey: Int32) {
            self.processID = processID
            self.secretKey = secretKey
        }

        package static func decode(from reader: inout WireReader) throws(WireDecodingError) -> BackendKeyData {
            let processID = try reader.readInt32("process ID")
            let secretKey = try reader.readInt32("secret key")
            try reader.expectEnd()
            return BackendKeyData(processID: processID, secretKey: secretKey)
        }

        package func encode(into writer: inout WireWriter) {
            writer.writeMessage(BackendMessageID.backendKeyData.rawValue) { writer in
                writer.writeInt32(self.processID)
                writer.writeInt32(self.secretKey)
            }
        }
    }

    /// ParameterStatus ('S'): the current value of a run-time parameter the server reports.
    package struct ParameterStatus: Hashable, Sendable {
        package var name: String
        package var value: String

        package init(name: String, value: String) {
            self.name = name
            self.value = value
        }

        package static func decode(from reader: inout WireReader) throws(WireDecodingError) -> ParameterStatus {
            let name = try reader.readCString("parameter name")
            let value = try reader.readCString("parameter value")
            try reader.expectEnd()
            return ParameterStatus(name: name, value: value)
        }

        package func encode(into writer: inout WireWriter) {
            writer.writeMessage(BackendMessageID.parameterStatus.rawValue) { writer in
                writer.writeCString(self.name)
                writer.writeCString(self.value)
            }
        }
    }

    /// ReadyForQuery ('Z'): the server is idle and reports its transaction status.
    package struct ReadyForQuery: Hashable, Sendable {
        package var status: TransactionStatus

        package init(status: TransactionStatus) { self.status = status }

        package static func decode(from reader: inout WireReader) throws(WireDecodingError) -> ReadyForQuery {
            let byte = try reader.readUInt8("transaction status")
            guard let status = TransactionStatus(rawValue: byte) else {
                throw .invalidValue(field: "transaction status", value: Int(byte))
            }
            try reader.expectEnd()
            return ReadyForQuery(status: status)
        }

        package func encode(into writer: inout WireWriter) {
            writer.writeMessage(BackendMessageID.readyForQuery.rawValue) { $0.writeUInt8(self.status.rawValue) }
        }
    }

    /// CommandComplete ('C'): a statement finished; the tag says what it did ("SELECT 3", "INSERT 0 1").
    package struct CommandComplete: Hashable, Sendable {
        package var tag: String

        package init(tag: String) { self.tag = tag }

        package static func decode(from reader: inout WireReader) throws(WireDecodingError) -> CommandComplete {
            let tag = try reader.readCString("command tag")
            try reader.expectEnd()
            return CommandComplete(tag: tag)
        }

        package func encode(into writer: inout WireWriter) {
            writer.writeMessage(BackendMessageID.commandComplete.rawValue) { $0.writeCString(self.tag) }
        }
    }

    /// Encodes a message with an empty body: ParseComplete, BindComplete, CloseComplete, NoData,
    /// EmptyQueryResponse, PortalSuspended, CopyDone.
    package static func encodeEmpty(_ id: BackendMessageID, into writer: inout WireWriter) {
        writer.writeMessage(id.rawValue) { _ in }
    }

    /// NotificationResponse ('A'): a NOTIFY delivered to a listening session.
    package struct NotificationResponse: Hashable, Sendable {
        package var processID: Int32
        package var channel: String
        package var payload: String

        package init(processID: Int32, channel: String, payload: String) {
            self.processID = processID
            self.channel = channel
            self.payload = payload
        }

        package static func decode(from reader: inout WireReader) throws(WireDecodingError) -> NotificationResponse {
            let processID = try reader.readInt32("process ID")
            let channel = try reader.readCString("channel")
            let payload = try reader.readCString("payload")
            try reader.expectEnd()
            return NotificationResponse(processID: processID, channel: channel, payload: payload)
        }

        package func encode(into writer: inout WireWriter) {
            writer.writeMessage(BackendMessageID.notificationResponse.rawValue) { writer in
                writer.writeInt32(self.processID)
                writer.writeCString(self.channel)
                writer.writeCString(self.payload)
            }
        }
    }

    /// NegotiateProtocolVersion ('v'): the newest protocol version the server supports and the
    /// protocol options it did not recognise.
    package struct NegotiateProtocolVersion: Hashable, Sendable {
        /// The documentation calls this the "newest minor protocol version", but PostgreSQL sends
        /// the whole version, major << 16 | minor: 196608 for 3.0 (see the captured fixture).
        /// libpq 18 reads it that way too, so a proxy must send 196608, never 0.
        package var newestMinorVersion: Int32
        package var unrecognizedOptions: [String]

        package init(newestMinorVersion: Int32, unrecognizedOptions: [String]) {
            self.newestMinorVersion = newestMinorVersion
            self.unrecognizedOptions = unrecognizedOptions
        }

        package static func decode(from reader: inout WireReader) throws(WireDecodingError) -> NegotiateProtocolVersion {
            let minor = try reader.readInt32("newest minor version")
            let count = Int(try reader.readInt32("option count"))
            guard count >= 0 else { throw .invalidValue(field: "option count", value: count) }
            var options: [String] = []
            for _ in 0..<count { options.append(try reader.readCString("option name")) }
            try reader.expectEnd()
            return NegotiateProtocolVersion(newestMinorVersion: minor, unrecognizedOptions: options)
        }

        package func encode(into writer: inout WireWriter) {
            writer.writeMessage(BackendMessageID.negotiateProtocolVersion.rawValue) { writer in
                writer.writeInt32(self.newestMinorVersion)
                writer.writeInt32(Int32(self.unrecognizedOptions.count))
                for option in self.unrecognizedOptions { writer.writeCString(option) }
            }
        }
    }

    /// ParameterDescription ('t'): the parameter type OIDs of a described statement.
    package struct ParameterDescription: Hashable, Sendable {
        package var parameterTypes: [Int32]

        package init(parameterTypes: [Int32]) { self.parameterTypes = parameterTypes }

        package static func decode(from reader: inout WireReader) throws(WireDecodingError) -> ParameterDescription {
            let count = try reader.readCount("parameter count")
            var types: [Int32] = []
            types.reserveCapacity(reader.capacity(for: count, elementSize: 4))
            for _ in 0..<count { types.append(try reader.readInt32("parameter type")) }
            try reader.expectEnd()
            return ParameterDescription(parameterTypes: types)
        }

        package func encode(into writer: inout WireWriter) {
            writer.writeMessage(BackendMessageID.parameterDescription.rawValue) { writer in
                writer.writeInt16(Int16(truncatingIfNeeded: self.parameterTypes.count))
                for type in self.parameterTypes { writer.writeInt32(type) }
            }
        }
    }

    /// FunctionCallResponse ('V'): the result of a FunctionCall; `nil` is NULL.
    package struct FunctionCallResponse: Hashable, Sendable {
        package var value: [UInt8]?

        package init(value: [UInt8]?) { self.value = value }

        package static func decode(from reader: inout WireReader) throws(WireDecodingError) -> FunctionCallResponse {
            let length = Int(try reader.readInt32("result length"))
            let value: [UInt8]? = length == -1 ? nil : try reader.readBytes(length, "result value")
            try reader.expectEnd()
            return FunctionCallResponse(value: value)
        }

        package func encode(into writer: inout WireWriter) {
            writer.writeMessage(BackendMessageID.functionCallResponse.rawValue) { writer in
                if let value = self.value {
                    writer.writeInt32(Int32(truncatingIfNeeded: value.count))
                    writer.writeBytes(value)
                } else {
                    writer.writeInt32(-1)
                }
            }
        }
    }
}

/// The transaction status in ReadyForQuery.
package enum TransactionStatus: UInt8, Hashable, Sendable {
    /// Not in a transaction block.
    case idle = 0x49  // 'I'
    /// In a transaction block.
    case inTransaction = 0x54  // 'T'
    /// In a failed transaction block: queries are rejected until the block ends.
    case failed = 0x45  // 'E'
}
