// FrontendMessage: the namespace of every regular message a client sends after startup.
// https://www.postgresql.org/docs/15/protocol-message-formats.html

/// Messages a client sends, each a nested type with `decode(from:)` and `encode(into:)`.
///
/// `decode(from:)` takes a reader over the body only (after the type byte and length) and
/// requires it to be consumed completely.
package enum FrontendMessage {
    /// Query ('Q'): a simple-protocol query string, possibly several statements.
    package struct Query: Hashable, Sendable {
        package var sql: String

        package init(sql: String) { self.sql = sql }

        package static func decode(from reader: inout WireReader) throws(WireDecodingError) -> Query {
            let sql = try reader.readCString("query string")
            try reader.expectEnd()
            return Query(sql: sql)
        }

        package func encode(into writer: inout WireWriter) {
            writer.writeMessage(FrontendMessageID.query.rawValue) { $0.writeCString(self.sql) }
        }
    }

    /// Parse ('P'): create a prepared statement (named, or the unnamed one when `name` is empty).
    package struct Parse: Hashable, Sendable {
        package var name: String
        package var query: String
        /// Object IDs of the parameter types; zero leaves a type unspecified.
        package var parameterTypes: [Int32]

        package init(name: String, query: String, parameterTypes: [Int32] = []) {
            self.name = name
            self.query = query
            self.parameterTypes = parameterTypes
        }

        package static func decode(from reader: inout WireReader) throws(WireDecodingError) -> Parse {
            let name = try reader.readCString("statement name")
            let query = try reader.readCString("query string")
            let count = try reader.readCount("parameter type count")
            var types: [Int32] = []
            types.reserveCapacity(reader.capacity(for: count, elementSize: 4))
            for _ in 0..<count { types.append(try reader.readInt32("parameter type")) }
            try reader.expectEnd()
            return Parse(name: name, query: query, parameterTypes: types)
        }

        package func encode(into writer: inout WireWriter) {
            Self.encode(name: self.name, query: self.query.utf8, parameterTypes: self.parameterTypes, into: &writer)
        }

        /// Encodes a Parse whose query is raw bytes in the client's encoding, which need not be UTF-8.
        package static func encode<Query: Collection<UInt8>>(
            name: String,
            query: Query,
            parameterTypes: [Int32],
            into writer: inout WireWriter
        ) {
            writer.writeMessage(FrontendMessageID.parse.rawValue) { writer in
                writer.writeCString(name)
                writer.writeCString(bytes: query)
                writer.writeInt16(Int16(truncatingIfNeeded: parameterTypes.count))
                for type in parameterTypes { writer.writeInt32(type) }
            }
        }
    }

    /// The fields of a Parse with the query kept as bytes, so that clients whose encoding is not
    /// UTF-8 (client_encoding LATIN1, say) are passed through untouched.
    package struct RawParse: Hashable, Sendable {
        package var name: String
        package var query: [UInt8]
        package var parameterTypes: [Int32]

        package static func decode(from reader: inout WireReader) throws(WireDecodingError) -> RawParse {
            let nameRange = try reader.readCStringRange("statement name")
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: reader.bytes[nameRange]), as: UTF8.self)
            let queryRange = try reader.readCStringRange("query string")
            let query = Array(reader.bytes[queryRange])
            let count = try reader.readCount("parameter type count")
            var types: [Int32] = []
            types.reserveCapacity(reader.capacity(for: count, elementSize: 4))
            for _ in 0..<count { types.append(try reader.readInt32("parameter type")) }
            try reader.expectEnd()
            return RawParse(name: name, query: query, parameterTypes: types)
        }
    }

    /// Which object a Describe or Close names.
    package enum TargetKind: UInt8, Hashable, Sendable {
        case statement = 0x53  // 'S'
        case portal = 0x50  // 'P'
    }

    /// Describe ('D'): ask for the description of a prepared statement or a portal.
    package struct Describe: Hashable, Sendable {
        package var kind: TargetKind
        package var name: String

        package init(kind: TargetKind, name: String) {
            self.kind = kind
            self.name = name
        }

        package static func decode(from reader: inout WireReader) throws(WireDecodingError) -> Describe {
            let (kind, name) = try FrontendMessage.decodeTarget(from: &reader)
            return Describe(kind: kind, name: name)
        }

        package func encode(into writer: inout WireWriter) {
            writer.writeMessage(FrontendMessageID.describe.rawValue) { writer in
                writer.writeUInt8(self.kind.rawValue)
                writer.writeCString(self.name)
            }
        }
    }

    /// Close ('C'): close a prepared statement or a portal.
    package struct Close: Hashable, Sendable {
        package var kind: TargetKind
        package var name: String

        package init(kind: TargetKind, name: String) {
            self.kind = kind
            self.name = name
        }

        package static func decode(from reader: inout WireReader) throws(WireDecodingError) -> Close {
            let (kind, name) = try FrontendMessage.decodeTarget(from: &reader)
            return Close(kind: kind, name: name)
        }

        package func encode(into writer: inout WireWriter) {
            writer.writeMessage(FrontendMessageID.close.rawValue) { writer in
                writer.writeUInt8(self.kind.rawValue)
                writer.writeCString(self.name)
            }
        }
    }

    static func decodeTarget(from reader: inout WireReader) throws(WireDecodingError) -> (TargetKind, String) {
        let byte = try reader.readUInt8("target kind")
        guard let kind = TargetKind(rawValue: byte) else { throw .invalidValue(field: "target kind", value: Int(byte)) }
        let name = try reader.readCString("name")
        try reader.expectEnd()
        return (kind, name)
    }

    /// Execute ('E'): run a portal, returning at most `maxRows` rows (0 = no limit).
    package struct Execute: Hashable, Sendable {
        package var portal: String
        package var maxRows: Int32

        package init(portal: String, maxRows: Int32 = 0) {
            self.portal = portal
            self.maxRows = maxRows
        }

        package static func decode(from reader: inout WireReader) throws(WireDecodingError) -> Execute {
            let portal = try reader.readCString("portal name")
            let maxRows = try reader.readInt32("maximum rows")
            try reader.expectEnd()
            return Execute(portal: portal, maxRows: maxRows)
        }

        package func encode(into writer: inout WireWriter) {
            writer.writeMessage(FrontendMessageID.execute.rawValue) { writer in
                writer.writeCString(self.portal)
                writer.writeInt32(self.maxRows)
            }
        }
    }

    /// Encodes a message with an empty body: Sync ('S'), Flush ('H'), Terminate ('X'), CopyDone ('c').
    package static func encodeEmpty(_ id: FrontendMessageID, into writer: inout WireWriter) {
        writer.writeMessage(id.rawValue) { _ in }
    }

    /// CopyFail ('f'): the client aborts COPY FROM STDIN with this message.
    package struct CopyFail: Hashable, Sendable {
        package var message: String

        package init(message: String) { self.message = message }

        package static func decode(from reader: inout WireReader) throws(WireDecodingError) -> CopyFail {
            let message = try reader.readCString("error message")
            try reader.expectEnd()
            return CopyFail(message: message)
        }

        package func encode(into writer: inout WireWriter) {
            writer.writeMessage(FrontendMessageID.copyFail.rawValue) { $0.writeCString(self.message) }
        }
    }

    /// PasswordMessage ('p') in reply to cleartext or md5 requests: the zero-terminated password.
    package struct PasswordMessage: Hashable, Sendable {
        package var password: String

        package init(password: String) { self.password = password }

        package static func decode(from reader: inout WireReader) throws(WireDecodingError) -> PasswordMessage {
            let password = try reader.readCString("password")
            try reader.expectEnd()
            return PasswordMessage(password: password)
        }

        package func encode(into writer: inout WireWriter) {
            writer.writeMessage(FrontendMessageID.password.rawValue) { $0.writeCString(self.password) }
        }
    }

    /// SASLInitialResponse ('p'): the chosen mechanism and the first client message (-1 = none).
    package struct SASLInitialResponse: Hashable, Sendable {
        package var mechanism: String
        package var data: [UInt8]?

        package init(mechanism: String, data: [UInt8]?) {
            self.mechanism = mechanism
            self.data = data
        }

        package static func decode(from reader: inout WireReader) throws(WireDecodingError) -> SASLInitialResponse {
            let mechanism = try reader.readCString("mechanism")
            let length = Int(try reader.readInt32("initial response length"))
            let data: [UInt8]? = length == -1 ? nil : try reader.readBytes(length, "initial response")
            try reader.expectEnd()
            return SASLInitialResponse(mechanism: mechanism, data: data)
        }

        package func encode(into writer: inout WireWriter) {
            writer.writeMessage(FrontendMessageID.password.rawValue) { writer in
                writer.writeCString(self.mechanism)
                if let data = self.data {
                    writer.writeInt32(Int32(data.count))
                    writer.writeBytes(data)
                } else {
                    writer.writeInt32(-1)
                }
            }
        }
    }

    /// SASLResponse ('p'): a later client message of the SASL exchange, the whole body.
    package struct SASLResponse: Hashable, Sendable {
        package var data: [UInt8]

        package init(data: [UInt8]) { self.data = data }

        package static func decode(from reader: inout WireReader) -> SASLResponse {
            SASLResponse(data: reader.readRemainingBytes())
        }

        package func encode(into writer: inout WireWriter) {
            writer.writeMessage(FrontendMessageID.password.rawValue) { $0.writeBytes(self.data) }
        }
    }
}
