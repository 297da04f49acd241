// WireSession: a raw protocol session with a real PostgreSQL, returning result messages as the server sent them.

import SwitchyardTesting
import SwitchyardWire

/// One statement's result as received: the RowDescription, each DataRow frame, the tag.
struct ReceivedResult {
    var description: BackendMessage.RowDescription?
    var rows: [[UInt8]] = []
    var tag: String?
    /// The ErrorResponse fields, if the statement failed.
    var error: [Character: String]?
}

/// A login (as `app_trust`, no password) on the test server, speaking the simple and the
/// extended protocol byte by byte, so results can be compared at the byte level.
final class WireSession {
    private let connection: RawConnection

    init(port: Int, database: String = "app") throws {
        self.connection = try RawConnection(port: port)
        self.connection.send(FrontendBytes.startup([("user", "app_trust"), ("database", database)]))
        let login = self.connection.readFrames(until: UInt8(ascii: "Z"), timeout: 10)
        guard login.frames.last?.kind == "Z", !login.frames.contains(where: { $0.kind == "E" }) else {
            throw WireSessionError(message: "login failed: \(login.frames.map(\.errorFields))")
        }
    }

    deinit { self.connection.close() }

    /// Runs a simple Query holding one statement.
    func simple(_ sql: String) throws -> ReceivedResult {
        self.connection.send(FrontendBytes.query(sql))
        return try self.collect()
    }

    /// Runs `sql` through Parse, Bind (text `parameters`; every result column in `resultFormat`),
    /// Describe portal, Execute and Sync.
    func extended(_ sql: String, parameters: [String?] = [], resultFormat: Int16) throws -> ReceivedResult {
        var bind = FrontendBytes.cString("") + FrontendBytes.cString("") + FrontendBytes.int16(0)
        bind += FrontendBytes.int16(Int16(parameters.count))
        for parameter in parameters {
            if let parameter {
                bind += FrontendBytes.int32(Int32(parameter.utf8.count)) + Array(parameter.utf8)
            } else {
                bind += FrontendBytes.int32(-1)
            }
        }
        bind += FrontendBytes.int16(1) + FrontendBytes.int16(resultFormat)
        self.connection.send(
            FrontendBytes.parse(name: "", sql: sql) + FrontendBytes.message("B", bind)
                + FrontendBytes.describe("P", name: "") + FrontendBytes.execute() + FrontendBytes.sync)
        return try self.collect()
    }

    /// A Bind parameter: bytes (`nil` is NULL) and format (0 text, 1 binary).
    struct Parameter {
        var bytes: [UInt8]?
        var format: Int16

        static func text(_ value: String) -> Parameter { Parameter(bytes: Array(value.utf8), format: 0) }
        static func binary(_ bytes: [UInt8]) -> Parameter { Parameter(bytes: bytes, format: 1) }
    }

    /// Prepares `sql` once, executes it for each parameter list in one pipeline (one Sync), and
    /// returns the first column of each execution's first row (in `resultFormat`).
    func pipeline(
        _ sql: String, parameterTypes: [Int32], executions: [[Parameter]], resultFormat: Int16
    ) throws -> [[UInt8]?] {
        var parse = FrontendBytes.cString("pipelined") + FrontendBytes.cString(sql)
        parse += FrontendBytes.int16(Int16(parameterTypes.count))
        for type in parameterTypes { parse += FrontendBytes.int32(type) }
        var messages = FrontendBytes.message("P", parse)
        for parameters in executions {
            var bind = FrontendBytes.cString("") + FrontendBytes.cString("pipelined")
            bind += FrontendBytes.int16(Int16(parameters.count))
            for parameter in parameters { bind += FrontendBytes.int16(parameter.format) }
            bind += FrontendBytes.int16(Int16(parameters.count))
            for parameter in parameters {
                if let bytes = parameter.bytes {
                    bind += FrontendBytes.int32(Int32(bytes.count)) + bytes
                } else {
                    bind += FrontendBytes.int32(-1)
                }
            }
            bind += FrontendBytes.int16(1) + FrontendBytes.int16(resultFormat)
            messages += FrontendBytes.message("B", bind) + FrontendBytes.execute()
        }
        messages += FrontendBytes.close("S", name: "pipelined") + FrontendBytes.sync
        self.connection.send(messages)
        let reply = self.connection.readFrames(until: UInt8(ascii: "Z"), timeout: 60)
        if let error = reply.frames.first(where: { $0.kind == "E" }) {
            throw WireSessionError(message: "\(sql): \(error.errorFields)")
        }
        // Each DataRow's first column: Int16 count, Int32 length (-1 for NULL), bytes.
        return reply.frames.filter { $0.kind == "D" && $0.body.count >= 6 }.map { frame in
            let length = Int(Int32(bitPattern: frame.body[2..<6].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }))
            return length < 0 || 6 + length > frame.body.count ? nil : Array(frame.body[6..<(6 + length)])
        }
    }

    /// Runs statements whose results do not matter; throws on an error.
    func run(_ sql: String) throws {
        let result = try self.simple(sql)
        if let error = result.error { throw WireSessionError(message: "\(sql): \(error)") }
    }

    private func collect() throws -> ReceivedResult {
        let reply = self.connection.readFrames(until: UInt8(ascii: "Z"), timeout: 30)
        guard reply.frames.last?.kind == "Z" else { throw WireSessionError(message: "no ReadyForQuery") }
        var result = ReceivedResult()
        for frame in reply.frames {
            switch frame.kind {
            case "T":
                var body = frame.body
                result.description = try body.withUnsafeMutableBytes { raw in
                    var reader = WireReader(UnsafeRawBufferPointer(raw))
                    return try BackendMessage.RowDescription.decode(from: &reader)
                }
            case "D":
                result.rows.append(frame.bytes)
            case "C":
                result.tag = String(decoding: frame.body.dropLast(), as: UTF8.self)
            case "E":
                result.error = frame.errorFields
            default:
                break
            }
        }
        return result
    }
}

struct WireSessionError: Error, CustomStringConvertible {
    var message: String
    var description: String { self.message }
}
