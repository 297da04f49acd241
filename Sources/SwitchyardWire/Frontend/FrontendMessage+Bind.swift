// Bind ('B') and FunctionCall ('F'): messages that carry parameter values.

extension FrontendMessage {
    /// Bind ('B'): create a portal from a prepared statement and parameter values.
    package struct Bind: Hashable, Sendable {
        package var portal: String
        package var statement: String
        /// Format codes (0 text, 1 binary) for the parameters: none, one for all, or one each.
        package var parameterFormats: [Int16]
        /// Parameter values; `nil` is SQL NULL (length -1 on the wire).
        package var parameters: [[UInt8]?]
        /// Format codes for the result columns: none, one for all, or one each.
        package var resultFormats: [Int16]

        package init(
            portal: String,
            statement: String,
            parameterFormats: [Int16] = [],
            parameters: [[UInt8]?] = [],
            resultFormats: [Int16] = []
        ) {
            self.portal = portal
            self.statement = statement
            self.parameterFormats = parameterFormats
            self.parameters = parameters
            self.resultFormats = resultFormats
        }

        /// The format of parameter `index`: the protocol's "none, one for all, or one each" rule.
        package func format(ofParameter index: Int) -> Int16 {
            switch self.parameterFormats.count {
            case 0: return 0
            case 1: return self.parameterFormats[0]
            default: return index < self.parameterFormats.count ? self.parameterFormats[index] : 0
            }
        }

        package static func decode(from reader: inout WireReader) throws(WireDecodingError) -> Bind {
            let portal = try reader.readCString("portal name")
            let statement = try reader.readCString("statement name")
            let formatCount = try reader.readCount("parameter format count")
            var formats: [Int16] = []
            formats.reserveCapacity(reader.capacity(for: formatCount, elementSize: 2))
            for _ in 0..<formatCount { formats.append(try reader.readInt16("parameter format")) }
            let parameterCount = try reader.readCount("parameter count")
            var parameters: [[UInt8]?] = []
            parameters.reserveCapacity(reader.capacity(for: parameterCount, elementSize: 4))
            for _ in 0..<parameterCount {
                let length = Int(try reader.readInt32("parameter length"))
                if length == -1 {
                    parameters.append(nil)
                } else {
                    parameters.append(try reader.readBytes(length, "parameter value"))
                }
            }
            let resultCount = try reader.readCount("result format count")
            var results: [Int16] = []
            results.reserveCapacity(reader.capacity(for: resultCount, elementSize: 2))
            for _ in 0..<resultCount { results.append(try reader.readInt16("result format")) }
            try reader.expectEnd()
            return Bind(
                portal: portal,
                statement: statement,
                parameterFormats: formats,
                parameters: parameters,
                resultFormats: results
            )
        }

        package func encode(into writer: inout WireWriter) {
            writer.writeMessage(FrontendMessageID.bind.rawValue) { writer in
                writer.writeCString(self.portal)
                writer.writeCString(self.statement)
                writer.writeInt16(Int16(truncatingIfNeeded: self.parameterFormats.count))
                for format in self.parameterFormats { writer.writeInt16(format) }
                writer.writeInt16(Int16(truncatingIfNeeded: self.parameters.count))
                for parameter in self.parameters {
                    if let value = parameter {
                        writer.writeInt32(Int32(truncatingIfNeeded: value.count))
                        writer.writeBytes(value)
                    } else {
                        writer.writeInt32(-1)
                    }
                }
                writer.writeInt16(Int16(truncatingIfNeeded: self.resultFormats.count))
                for format in self.resultFormats { writer.writeInt16(format) }
            }
        }
    }

    /// FunctionCall ('F'): the legacy fast-path call of a function by object ID.
    package struct FunctionCall: Hashable, Sendable {
        package var functionOID: Int32
        package var argumentFormats: [Int16]
        package var arguments: [[UInt8]?]
        package var resultFormat: Int16

        package init(functionOID: Int32, argumentFormats: [Int16], arguments: [[UInt8]?], resultFormat: Int16) {
            self.functionOID = functionOID
            self.argumentFormats = argumentFormats
            self.arguments = arguments
            self.resultFormat = resultFormat
        }

        package static func decode(from reader: inout WireReader) throws(WireDecodingError) -> FunctionCall {
            let oid = try reader.readInt32("function OID")
            let formatCount = try reader.readCount("argument format count")
            var formats: [Int16] = []
            for _ in 0..<formatCount { formats.append(try reader.readInt16("argument format")) }
            let argumentCount = try reader.readCount("argument count")
            var arguments: [[UInt8]?] = []
            for _ in 0..<argumentCount {
                let length = Int(try reader.readInt32("argument length"))
                arguments.append(length == -1 ? nil : try reader.readBytes(length, "argument value"))
            }
            let resultFormat = try reader.readInt16("result format")
            try reader.expectEnd()
            return FunctionCall(functionOID: oid, argumentFormats: formats, arguments: arguments, resultFormat: resultFormat)
        }

        package func encode(into writer: inout WireWriter) {
            writer.writeMessage(FrontendMessageID.functionCall.rawValue) { writer in
                writer.writeInt32(self.functionOID)
                writer.writeInt16(Int16(truncatingIfNeeded: self.argumentFormats.count))
                for format in self.argumentFormats { writer.writeInt16(format) }
                writer.writeInt16(Int16(truncatingIfNeeded: self.arguments.count))
                for argument in self.arguments {
                    if let value = argument {
                        writer.writeInt32(Int32(truncatingIfNeeded: value.count))
                        writer.writeBytes(value)
                    } else {
                        writer.writeInt32(-1)
                    }
                }
                writer.writeInt16(self.resultFormat)
            }
        }
    }
}
