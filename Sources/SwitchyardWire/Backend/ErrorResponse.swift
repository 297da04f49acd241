// ErrorResponse ('E') and NoticeResponse ('N'): typed fields, and the one place errors become messages.
// https://www.postgresql.org/docs/15/protocol-error-fields.html

extension BackendMessage {
    /// The fields of an ErrorResponse or NoticeResponse, keyed by their field type byte.
    package struct ErrorFields: Hashable, Sendable {
        /// Field type bytes and values in wire order.
        package var fields: [(UInt8, String)]

        package init(fields: [(UInt8, String)]) { self.fields = fields }

        /// 'S': localized severity ("ERROR", "FATAL", ...).
        package static let severity: UInt8 = 0x53
        /// 'V': non-localized severity.
        package static let severityNonLocalized: UInt8 = 0x56
        /// 'C': the SQLSTATE code.
        package static let code: UInt8 = 0x43
        /// 'M': the primary message.
        package static let message: UInt8 = 0x4D
        /// 'D': detail.
        package static let detail: UInt8 = 0x44
        /// 'H': hint.
        package static let hint: UInt8 = 0x48

        package subscript(field: UInt8) -> String? { self.fields.first(where: { $0.0 == field })?.1 }

        /// The SQLSTATE, when present and well formed.
        package var sqlState: SQLState? { self[Self.code].flatMap(SQLState.init(received:)) }
        /// The non-localized severity when present, else the localized one.
        package var severityText: String? { self[Self.severityNonLocalized] ?? self[Self.severity] }
        package var message: String? { self[Self.message] }

        package static func decode(from reader: inout WireReader) throws(WireDecodingError) -> ErrorFields {
            var fields: [(UInt8, String)] = []
            while true {
                let type = try reader.readUInt8("field type")
                if type == 0 { break }
                fields.append((type, try reader.readCString("field value")))
            }
            try reader.expectEnd()
            return ErrorFields(fields: fields)
        }

        /// Encodes the fields as a message with type `id` ('E' or 'N').
        package func encode(as id: BackendMessageID, into writer: inout WireWriter) {
            writer.writeMessage(id.rawValue) { writer in
                for (type, value) in self.fields {
                    writer.writeUInt8(type)
                    writer.writeCString(value)
                }
                writer.writeUInt8(0)
            }
        }

        package static func == (lhs: ErrorFields, rhs: ErrorFields) -> Bool {
            lhs.fields.elementsEqual(rhs.fields, by: ==)
        }

        package func hash(into hasher: inout Hasher) {
            for (type, value) in self.fields {
                hasher.combine(type)
                hasher.combine(value)
            }
        }
    }
}

/// How bad a client-facing error is: ERROR keeps the session, FATAL ends it.
package enum ErrorSeverity: String, Hashable, Sendable {
    case error = "ERROR"
    case fatal = "FATAL"
}

/// An error the proxy itself reports to a client, with a deliberate SQLSTATE and severity.
package protocol ClientFacingError: Error, Sendable {
    var sqlState: SQLState { get }
    var severity: ErrorSeverity { get }
    /// Lower case, no final period, naming the things involved.
    var message: String { get }
    var detail: String? { get }
    var hint: String? { get }
}

extension ClientFacingError {
    package var detail: String? { nil }
    package var hint: String? { nil }
}

/// A client-facing error built from its parts, for the many one-off cases.
package struct ProxyError: ClientFacingError, Hashable {
    package var sqlState: SQLState
    package var severity: ErrorSeverity
    package var message: String
    package var detail: String?
    package var hint: String?

    package init(_ sqlState: SQLState, _ severity: ErrorSeverity, _ message: String, detail: String? = nil, hint: String? = nil) {
        self.sqlState = sqlState
        self.severity = severity
        self.message = message
        self.detail = detail
        self.hint = hint
    }
}

extension BackendMessage.ErrorFields {
    /// The single mapping from a client-facing error to ErrorResponse fields.
    package init(reporting error: some ClientFacingError) {
        var fields: [(UInt8, String)] = [
            (Self.severity, error.severity.rawValue),
            (Self.severityNonLocalized, error.severity.rawValue),
            (Self.code, error.sqlState.code),
            (Self.message, error.message),
        ]
        if let detail = error.detail { fields.append((Self.detail, detail)) }
        if let hint = error.hint { fields.append((Self.hint, hint)) }
        self.init(fields: fields)
    }
}
