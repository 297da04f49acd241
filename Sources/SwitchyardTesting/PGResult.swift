// PGResult: a completed statement's result copied out of libpq (rows as text, columns, command tag).
import CLibPQ

/// The result of one statement, in text format.
package struct PGResult: Sendable, Equatable {
    /// The column names, in order.
    package var columns: [String]
    /// The rows; `nil` is SQL NULL.
    package var rows: [[String?]]
    /// The CommandComplete tag, e.g. `INSERT 0 3` or `SELECT 1`; empty for an empty query.
    package var commandTag: String
    /// The row count of the tag (`PQcmdTuples`), when it has one.
    package var affectedRows: Int?

    package init(columns: [String] = [], rows: [[String?]] = [], commandTag: String = "", affectedRows: Int? = nil) {
        self.columns = columns
        self.rows = rows
        self.commandTag = commandTag
        self.affectedRows = affectedRows
    }

    /// The first column of the first row (`nil` when there is none or it is NULL).
    package var scalar: String? { rows.first?.first ?? nil }

    /// The values of column `name`, top to bottom.
    package func column(_ name: String) -> [String?] {
        guard let index = columns.firstIndex(of: name) else { return [] }
        return rows.map { $0[index] }
    }

    /// Copies a successful libpq result; throws the error of a failed one.
    static func make(from result: OpaquePointer, connection: OpaquePointer?) throws -> PGResult {
        let status = PQresultStatus(result)
        guard
            status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK || status == PGRES_EMPTY_QUERY
                || status == PGRES_SINGLE_TUPLE || status == PGRES_COPY_IN || status == PGRES_COPY_OUT
        else {
            if status == PGRES_PIPELINE_ABORTED {
                throw PGError(kind: .client, message: "statement skipped: an earlier one in the pipeline failed")
            }
            throw PGError.from(result: result, connection: connection)
        }
        let columnCount = PQnfields(result)
        let rowCount = PQntuples(result)
        let columns = (0..<columnCount).map { String(cString: PQfname(result, $0)) }
        let rows = (0..<rowCount).map { row in
            (0..<columnCount).map { column -> String? in
                PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
            }
        }
        let tag = String(cString: PQcmdStatus(result))
        let affected = Int(String(cString: PQcmdTuples(result)))
        return PGResult(columns: columns, rows: rows, commandTag: tag, affectedRows: affected)
    }
}
