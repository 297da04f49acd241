// RowDescription ('T') and DataRow ('D'): result-set messages, decoded only where rows are merged or made.

extension BackendMessage {
    /// RowDescription ('T'): one entry per result column.
    package struct RowDescription: Hashable, Sendable {
        /// One result column.
        package struct Column: Hashable, Sendable {
            package var name: String
            /// The table OID when the column comes from a table, else 0.
            package var tableOID: Int32
            /// The column's attribute number in that table, else 0.
            package var columnNumber: Int16
            package var typeOID: Int32
            /// pg_type.typlen: negative for variable-width types.
            package var typeSize: Int16
            package var typeModifier: Int32
            /// 0 text, 1 binary.
            package var format: Int16

            package init(
                name: String,
                tableOID: Int32 = 0,
                columnNumber: Int16 = 0,
                typeOID: Int32,
                typeSize: Int16,
                typeModifier: Int32 = -1,
                format: Int16 = 0
            ) {
                self.name = name
                self.tableOID = tableOID
                self.columnNumber = columnNumber
                self.typeOID = typeOID
                self.typeSize = typeSize
                self.typeModifier = typeModifier
                self.format = format
            }

            /// A text column of type `text` (OID 25), as the admin console reports values.
            package static func text(_ name: String) -> Column { Column(name: name, typeOID: 25, typeSize: -1) }
            /// An `int8` column (OID 20).
            package static func bigint(_ name: String) -> Column { Column(name: name, typeOID: 20, typeSize: 8) }
        }

        package var columns: [Column]

        package init(columns: [Column]) { self.columns = columns }

        package static func decode(from reader: inout WireReader) throws(WireDecodingError) -> RowDescription {
            let count = try reader.readCount("column count")
            var columns: [Column] = []
            // A column is at least 19 bytes: an empty name's terminator and 18 bytes of fixed fields.
            columns.reserveCapacity(reader.capacity(for: count, elementSize: 19))
            for _ in 0..<count {
                columns.append(
                    Column(
                        name: try reader.readCString("column name"),
                        tableOID: try reader.readInt32("table OID"),
                        columnNumber: try reader.readInt16("column number"),
                        typeOID: try reader.readInt32("type OID"),
                        typeSize: try reader.readInt16("type size"),
                        typeModifier: try reader.readInt32("type modifier"),
                        format: try reader.readInt16("format code")
                    )
                )
            }
            try reader.expectEnd()
            return RowDescription(columns: columns)
        }

        package func encode(into writer: inout WireWriter) {
            writer.writeMessage(BackendMessageID.rowDescription.rawValue) { writer in
                writer.writeInt16(Int16(truncatingIfNeeded: self.columns.count))
                for column in self.columns {
                    writer.writeCString(column.name)
                    writer.writeInt32(column.tableOID)
                    writer.writeInt16(column.columnNumber)
                    writer.writeInt32(column.typeOID)
                    writer.writeInt16(column.typeSize)
                    writer.writeInt32(column.typeModifier)
                    writer.writeInt16(column.format)
                }
            }
        }
    }

    /// DataRow ('D'): column values of one row; `nil` is NULL.
    package struct DataRow: Hashable, Sendable {
        package var values: [[UInt8]?]

        package init(values: [[UInt8]?]) { self.values = values }

        /// A row of text values.
        package init(texts: [String?]) { self.values = texts.map { $0.map { Array($0.utf8) } } }

        package static func decode(from reader: inout WireReader) throws(WireDecodingError) -> DataRow {
            let count = try reader.readCount("column count")
            var values: [[UInt8]?] = []
            values.reserveCapacity(reader.capacity(for: count, elementSize: 4))
            for _ in 0..<count {
                let length = Int(try reader.readInt32("value length"))
                values.append(length == -1 ? nil : try reader.readBytes(length, "value"))
            }
            try reader.expectEnd()
            return DataRow(values: values)
        }

        package func encode(into writer: inout WireWriter) {
            writer.writeMessage(BackendMessageID.dataRow.rawValue) { writer in
                writer.writeInt16(Int16(truncatingIfNeeded: self.values.count))
                for value in self.values {
                    if let value {
                        writer.writeInt32(Int32(truncatingIfNeeded: value.count))
                        writer.writeBytes(value)
                    } else {
                        writer.writeInt32(-1)
                    }
                }
            }
        }
    }
}
