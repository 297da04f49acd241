// CopyInResponse ('G'), CopyOutResponse ('H'), CopyBothResponse ('W') and CopyData ('d', both directions).

extension BackendMessage {
    /// The start of a COPY: overall format (0 text, 1 binary) and one format per column.
    package struct CopyResponse: Hashable, Sendable {
        /// Which of the three messages this is.
        package enum Direction: UInt8, Hashable, Sendable {
            case copyIn = 0x47  // 'G'
            case copyOut = 0x48  // 'H'
            case copyBoth = 0x57  // 'W'
        }

        package var direction: Direction
        package var overallFormat: Int8
        package var columnFormats: [Int16]

        package init(direction: Direction, overallFormat: Int8, columnFormats: [Int16]) {
            self.direction = direction
            self.overallFormat = overallFormat
            self.columnFormats = columnFormats
        }

        package static func decode(_ direction: Direction, from reader: inout WireReader) throws(WireDecodingError) -> CopyResponse {
            let format = Int8(bitPattern: try reader.readUInt8("overall format"))
            let count = try reader.readCount("column count")
            var formats: [Int16] = []
            for _ in 0..<count { formats.append(try reader.readInt16("column format")) }
            try reader.expectEnd()
            return CopyResponse(direction: direction, overallFormat: format, columnFormats: formats)
        }

        package func encode(into writer: inout WireWriter) {
            writer.writeMessage(self.direction.rawValue) { writer in
                writer.writeUInt8(UInt8(bitPattern: self.overallFormat))
                writer.writeInt16(Int16(truncatingIfNeeded: self.columnFormats.count))
                for format in self.columnFormats { writer.writeInt16(format) }
            }
        }
    }
}

/// CopyData ('d'): a chunk of COPY data, the same in both directions.
package struct CopyData: Hashable, Sendable {
    package var data: [UInt8]

    package init(data: [UInt8]) { self.data = data }

    package static func decode(from reader: inout WireReader) -> CopyData { CopyData(data: reader.readRemainingBytes()) }

    package func encode(into writer: inout WireWriter) {
        writer.writeMessage(BackendMessageID.copyData.rawValue) { $0.writeBytes(self.data) }
    }
}
