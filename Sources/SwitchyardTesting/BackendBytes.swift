// BackendBytes: backend messages built byte by byte from the protocol documentation, for fake servers.

/// Backend messages of protocol 3.0 ("Message Formats" in PostgreSQL's documentation), written
/// here independently of the proxy's own encoder, so that a fake server never speaks through the
/// code under test.
///
/// A message is its type byte, an Int32 length counting itself and the body, then the body.
package enum BackendBytes {
    /// A message of type `type` with `body`; the length is computed.
    package static func message(_ type: Character, _ body: [UInt8] = []) -> [UInt8] {
        [type.asciiValue!] + FrontendBytes.int32(Int32(4 + body.count)) + body
    }

    /// A message whose length field says `length`, whatever the body's size: for servers that lie.
    package static func message(_ type: Character, length: Int32, _ body: [UInt8] = []) -> [UInt8] {
        [type.asciiValue!] + FrontendBytes.int32(length) + body
    }

    /// AuthenticationOk: request code 0.
    package static var authenticationOk: [UInt8] { message("R", FrontendBytes.int32(0)) }

    /// An Authentication message with any request code (10 SASL, 5 md5, ...) and body.
    package static func authentication(code: Int32, _ body: [UInt8] = []) -> [UInt8] {
        message("R", FrontendBytes.int32(code) + body)
    }

    package static func parameterStatus(_ name: String, _ value: String) -> [UInt8] {
        message("S", FrontendBytes.cString(name) + FrontendBytes.cString(value))
    }

    package static func backendKeyData(processID: Int32, secretKey: Int32) -> [UInt8] {
        message("K", FrontendBytes.int32(processID) + FrontendBytes.int32(secretKey))
    }

    /// ReadyForQuery with status `I` (idle), `T` (in a transaction) or `E` (failed transaction).
    package static func readyForQuery(_ status: Character = "I") -> [UInt8] {
        message("Z", [status.asciiValue!])
    }

    /// RowDescription of text columns (type oid 25, `text`), text format.
    package static func rowDescription(_ names: [String]) -> [UInt8] {
        var body = FrontendBytes.int16(Int16(names.count))
        for name in names {
            // Table oid 0, column 0, type oid 25, size -1, modifier -1, format 0.
            body += FrontendBytes.cString(name) + FrontendBytes.int32(0) + FrontendBytes.int16(0)
            body += FrontendBytes.int32(25) + FrontendBytes.int16(-1) + FrontendBytes.int32(-1) + FrontendBytes.int16(0)
        }
        return message("T", body)
    }

    /// DataRow with text values; `nil` is NULL (length -1).
    package static func dataRow(_ values: [String?]) -> [UInt8] {
        var body = FrontendBytes.int16(Int16(values.count))
        for value in values {
            if let value {
                body += FrontendBytes.int32(Int32(value.utf8.count)) + Array(value.utf8)
            } else {
                body += FrontendBytes.int32(-1)
            }
        }
        return message("D", body)
    }

    package static func commandComplete(_ tag: String) -> [UInt8] {
        message("C", FrontendBytes.cString(tag))
    }

    /// The whole answer to a simple query returning one row of text columns.
    package static func rows(_ columns: [String], _ values: [String?], status: Character = "I") -> [UInt8] {
        rowDescription(columns) + dataRow(values) + commandComplete("SELECT 1") + readyForQuery(status)
    }

    /// ErrorResponse (or NoticeResponse with `type` "N") with the fields in order, each a code
    /// byte and a C string, then the terminating zero byte.
    package static func errorResponse(_ fields: [(Character, String)], type: Character = "E") -> [UInt8] {
        var body: [UInt8] = []
        for (code, value) in fields { body += [code.asciiValue!] + FrontendBytes.cString(value) }
        return message(type, body + [0])
    }
}
