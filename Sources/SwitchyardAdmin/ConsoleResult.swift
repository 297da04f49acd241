// ConsoleResult: a console answer as an ordinary result set, and its encoding as wire messages.
import SwitchyardWire

/// What the admin console sends back for one statement: a result set (possibly without columns,
/// for RELOAD, PAUSE and RESUME) and its command tag.
package struct ConsoleResult: Sendable, Equatable {
    /// A result column; values are always sent in text format.
    package struct Column: Sendable, Equatable {
        /// The column's PostgreSQL type, which tells clients how to align and parse values.
        package enum ColumnType: Sendable, Equatable {
            /// `text` (OID 25).
            case text
            /// `int8` (OID 20): values are decimal integers.
            case bigint
        }

        package var name: String
        package var type: ColumnType

        package init(_ name: String, _ type: ColumnType) {
            self.name = name
            self.type = type
        }

        package static func text(_ name: String) -> Column { Column(name, .text) }
        package static func bigint(_ name: String) -> Column { Column(name, .bigint) }
    }

    package var columns: [Column]
    /// Rows of text values, one per column; `nil` is NULL.
    package var rows: [[String?]]
    package var tag: String

    package init(columns: [Column], rows: [[String?]], tag: String) {
        self.columns = columns
        self.rows = rows
        self.tag = tag
    }

    /// Appends RowDescription and one DataRow per row (when there are columns), then
    /// CommandComplete. ReadyForQuery is the caller's: it knows the transaction status.
    package func encode(into writer: inout WireWriter) {
        if !self.columns.isEmpty {
            let description = BackendMessage.RowDescription(
                columns: self.columns.map { column in
                    switch column.type {
                    case .text: return .text(column.name)
                    case .bigint: return .bigint(column.name)
                    }
                }
            )
            description.encode(into: &writer)
            for row in self.rows {
                BackendMessage.DataRow(texts: row).encode(into: &writer)
            }
        }
        BackendMessage.CommandComplete(tag: self.tag).encode(into: &writer)
    }
}
