// PGConnection+Copy: COPY FROM STDIN (send bytes) and COPY TO STDOUT (collect bytes) through libpq.
import CLibPQ
import Glibc

extension PGConnection {
    /// Runs a `COPY ... FROM STDIN` statement, sends `data` as CopyData messages of at most
    /// `chunkSize` bytes, ends with CopyDone and returns the final result (tag `COPY n`).
    ///
    /// - Parameter extended: send the statement with the extended protocol (Parse/Bind/Execute,
    ///   `PQexecParams`) instead of a simple Query.
    /// - Throws: the server's error when the statement or the data is rejected.
    package func copyIn(_ sql: String, data: [UInt8], chunkSize: Int = 8192, extended: Bool = false) throws -> PGResult
    {
        let connection = try open()
        guard let start = startCopy(connection, sql, extended: extended) else { throw clientError() }
        let status = PQresultStatus(start)
        guard status == PGRES_COPY_IN else {
            defer { PQclear(start) }
            _ = try PGResult.make(from: start, connection: connection)
            throw PGError(kind: .client, message: "statement did not start COPY FROM STDIN")
        }
        PQclear(start)
        var offset = 0
        while offset < data.count {
            let end = min(offset + max(chunkSize, 1), data.count)
            let sent = data[offset..<end].withUnsafeBytes { bytes in
                PQputCopyData(connection, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count))
            }
            guard sent == 1 else { throw clientError() }
            offset = end
        }
        guard PQputCopyEnd(connection, nil) == 1 else { throw clientError() }
        return try collectResults(connection).last ?? PGResult()
    }

    /// `copyIn` with text rows, each followed by a newline (COPY's text format).
    package func copyIn(_ sql: String, lines: [String], extended: Bool = false) throws -> PGResult {
        try copyIn(sql, data: Array(lines.map { $0 + "\n" }.joined().utf8), extended: extended)
    }

    /// Runs a `COPY ... TO STDOUT` statement and returns every CopyData byte, in order.
    package func copyOut(_ sql: String, extended: Bool = false) throws -> [UInt8] {
        let connection = try open()
        guard let start = startCopy(connection, sql, extended: extended) else { throw clientError() }
        let status = PQresultStatus(start)
        guard status == PGRES_COPY_OUT else {
            defer { PQclear(start) }
            _ = try PGResult.make(from: start, connection: connection)
            throw PGError(kind: .client, message: "statement did not start COPY TO STDOUT")
        }
        PQclear(start)
        var bytes: [UInt8] = []
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let count = PQgetCopyData(connection, &buffer, 0)
            if count > 0, let buffer {
                bytes.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: Int(count)))
                PQfreemem(buffer)
                continue
            }
            // -1: the copy is over and the final result waits; -2: an error.
            guard count == -1 else { throw clientError() }
            break
        }
        _ = try collectResults(connection)
        return bytes
    }

    private func startCopy(_ connection: OpaquePointer, _ sql: String, extended: Bool) -> OpaquePointer? {
        extended ? PQexecParams(connection, sql, 0, nil, nil, nil, nil, 0) : PQexec(connection, sql)
    }
}
