// FrontendBytes: frontend messages built byte by byte from the protocol documentation, for raw tests.

/// Frontend messages of protocol 3.0 ("Message Formats" in PostgreSQL's documentation), written
/// here independently of the proxy's own encoder so tests never check the proxy against itself.
///
/// A regular message is its type byte, an Int32 length counting itself and the body, then the body.
/// Startup-phase packets have no type byte: Int32 length, Int32 code, then the body.
package enum FrontendBytes {
    /// Protocol 3.0: major 3 in the high 16 bits, minor 0 (196608).
    package static let protocolVersion: Int32 = 3 << 16
    /// 1234 << 16 | 5679, 5680 and 5678: the codes of SSLRequest, GSSENCRequest and CancelRequest.
    package static let sslRequestCode: Int32 = 80_877_103
    package static let gssEncRequestCode: Int32 = 80_877_104
    package static let cancelRequestCode: Int32 = 80_877_102

    /// StartupMessage: `version`, then name/value C-string pairs, then a terminating zero byte.
    package static func startup(_ parameters: [(String, String)], version: Int32 = protocolVersion) -> [UInt8] {
        var body: [UInt8] = []
        for (name, value) in parameters { body += cString(name) + cString(value) }
        body.append(0)
        return startupPacket(code: version, body: body)
    }

    /// StartupMessage with raw parameter bytes (names and values need not be UTF-8).
    package static func startup(rawParameters: [([UInt8], [UInt8])]) -> [UInt8] {
        var body: [UInt8] = []
        for (name, value) in rawParameters { body += name + [0] + value + [0] }
        body.append(0)
        return startupPacket(code: protocolVersion, body: body)
    }

    package static var sslRequest: [UInt8] { startupPacket(code: sslRequestCode, body: []) }
    package static var gssEncRequest: [UInt8] { startupPacket(code: gssEncRequestCode, body: []) }

    /// CancelRequest for the backend key (`processID`, `secretKey`).
    package static func cancelRequest(processID: Int32, secretKey: Int32) -> [UInt8] {
        startupPacket(code: cancelRequestCode, body: int32(processID) + int32(secretKey))
    }

    /// A startup-phase packet: length (including itself), code, body.
    package static func startupPacket(code: Int32, body: [UInt8]) -> [UInt8] {
        int32(Int32(8 + body.count)) + int32(code) + body
    }

    // MARK: - Regular messages

    /// A message of type `type` with `body`; the length is computed.
    package static func message(_ type: Character, _ body: [UInt8] = []) -> [UInt8] {
        [type.asciiValue!] + int32(Int32(4 + body.count)) + body
    }

    package static func query(_ sql: String) -> [UInt8] { message("Q", cString(sql)) }

    /// Parse with no parameter types given (the server infers them).
    package static func parse(name: String, sql: String) -> [UInt8] {
        message("P", cString(name) + cString(sql) + int16(0))
    }

    /// Bind with text parameters (`nil` is NULL) and text results.
    package static func bind(portal: String = "", statement: String, parameters: [String?] = []) -> [UInt8] {
        var body = cString(portal) + cString(statement) + int16(0) + int16(Int16(parameters.count))
        for parameter in parameters {
            if let parameter {
                let bytes = Array(parameter.utf8)
                body += int32(Int32(bytes.count)) + bytes
            } else {
                body += int32(-1)
            }
        }
        return message("B", body + int16(0))
    }

    /// Describe of a statement (`S`) or portal (`P`).
    package static func describe(_ kind: Character, name: String) -> [UInt8] {
        message("D", [kind.asciiValue!] + cString(name))
    }

    /// Execute of a portal, all rows (`maxRows` 0).
    package static func execute(portal: String = "", maxRows: Int32 = 0) -> [UInt8] {
        message("E", cString(portal) + int32(maxRows))
    }

    /// Close of a statement (`S`) or portal (`P`).
    package static func close(_ kind: Character, name: String) -> [UInt8] {
        message("C", [kind.asciiValue!] + cString(name))
    }

    package static var sync: [UInt8] { message("S") }
    package static var flush: [UInt8] { message("H") }
    package static var terminate: [UInt8] { message("X") }

    /// PasswordMessage with a cleartext password (also the type byte of SASL responses).
    package static func password(_ text: String) -> [UInt8] { message("p", cString(text)) }

    // MARK: - Encoding

    package static func cString(_ text: String) -> [UInt8] { Array(text.utf8) + [0] }

    package static func int32(_ value: Int32) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian, Array.init)
    }

    package static func int16(_ value: Int16) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian, Array.init)
    }
}
