// PGConnection: a small synchronous libpq client, the independent oracle of the integration tests.
import CLibPQ
import Glibc

/// One libpq connection used synchronously from one thread at a time.
///
/// Errors are thrown as `PGError` with the server's SQLSTATE, connection failures included.
/// Cancel a running statement from another thread through `canceller`.
package final class PGConnection {
    /// The `PGconn`; `nil` once closed.
    private(set) var handle: OpaquePointer?
    private let noticeBox = NoticeBox()

    /// `PQtransactionStatus`: where the session stands between statements.
    package enum TransactionStatus: Sendable, Equatable {
        case idle
        case active
        case inTransaction
        case inFailedTransaction
        case unknown
    }

    /// Connects with a libpq connection string (`host=... port=... user=...` or a URI).
    ///
    /// - Parameter timeout: seconds for the whole connection and authentication.
    /// - Throws: `PGError` of kind `.connection`, with the SQLSTATE of the server's FATAL when there
    ///   was one (`28P01` bad password, `3D000` unknown database, ...).
    package init(_ conninfo: String, timeout: Double = 10) throws {
        guard let connection = PQconnectStart(conninfo) else {
            throw PGError(kind: .client, message: "out of memory")
        }
        handle = connection
        // Verbose messages carry the SQLSTATE of a FATAL received while connecting (see PGError).
        PQsetErrorVerbosity(connection, PQERRORS_VERBOSE)
        try finishConnecting(connection, timeout: timeout)
        PQsetErrorVerbosity(connection, PQERRORS_DEFAULT)
        let box = Unmanaged.passUnretained(noticeBox).toOpaque()
        PQsetNoticeReceiver(
            connection,
            { context, result in
                guard let context, let result else { return }
                let box = Unmanaged<NoticeBox>.fromOpaque(context).takeUnretainedValue()
                box.notices.append(PGError.from(result: result, connection: nil))
            }, box)
    }

    deinit { close() }

    /// Closes the connection (Terminate); further calls fail.
    package func close() {
        if let handle { PQfinish(handle) }
        handle = nil
    }

    // MARK: - Statements

    /// Runs `sql` with the simple query protocol and returns the last statement's result.
    package func exec(_ sql: String) throws -> PGResult {
        let connection = try open()
        guard let result = PQexec(connection, sql) else { throw clientError() }
        defer { PQclear(result) }
        return try PGResult.make(from: result, connection: connection)
    }

    /// Runs `sql` (possibly several statements) and returns every statement's result; throws the
    /// first error after reading all results, as the session then is ready again.
    package func execAll(_ sql: String) throws -> [PGResult] {
        let connection = try open()
        guard PQsendQuery(connection, sql) == 1 else { throw clientError() }
        return try collectResults(connection)
    }

    /// Runs `sql` with parameters `$1...` through the extended protocol (unnamed statement).
    package func execParams(_ sql: String, params: [String?]) throws -> PGResult {
        let connection = try open()
        let result = withCStrings(params) { values in
            PQexecParams(connection, sql, Int32(values.count), nil, values, nil, nil, 0)
        }
        guard let result else { throw clientError() }
        defer { PQclear(result) }
        return try PGResult.make(from: result, connection: connection)
    }

    /// Prepares `sql` as the named statement `name` (Parse).
    package func prepare(name: String, sql: String) throws {
        let connection = try open()
        guard let result = PQprepare(connection, name, sql, 0, nil) else { throw clientError() }
        defer { PQclear(result) }
        _ = try PGResult.make(from: result, connection: connection)
    }

    /// Executes the prepared statement `name` with `params` (Bind/Execute).
    package func execPrepared(name: String, params: [String?] = []) throws -> PGResult {
        let connection = try open()
        let result = withCStrings(params) { values in
            PQexecPrepared(connection, name, Int32(values.count), values, nil, nil, 0)
        }
        guard let result else { throw clientError() }
        defer { PQclear(result) }
        return try PGResult.make(from: result, connection: connection)
    }

    // MARK: - Session facts

    /// The server process id (from BackendKeyData).
    package var backendPID: Int32 { handle.map { PQbackendPID($0) } ?? 0 }

    /// The connection's socket (`PQsocket`), -1 when closed. Bytes written to it behind libpq's
    /// back must leave the session where libpq expects it: read every answer up to ReadyForQuery.
    package var socketDescriptor: Int32 { handle.map { PQsocket($0) } ?? -1 }

    /// A ParameterStatus value the server reported (`server_version`, `TimeZone`, ...).
    package func serverParameter(_ name: String) -> String? {
        handle.flatMap { PQparameterStatus($0, name) }.map { String(cString: $0) }
    }

    /// The session's transaction status.
    package var transactionStatus: TransactionStatus {
        guard let handle else { return .unknown }
        switch PQtransactionStatus(handle) {
        case PQTRANS_IDLE: return .idle
        case PQTRANS_ACTIVE: return .active
        case PQTRANS_INTRANS: return .inTransaction
        case PQTRANS_INERROR: return .inFailedTransaction
        default: return .unknown
        }
    }

    /// Whether libpq still considers the connection usable.
    package var isHealthy: Bool { handle.map { PQstatus($0) == CONNECTION_OK } ?? false }

    /// The NoticeResponses received so far (warnings, notices), oldest first; reading clears them.
    package func takeNotices() -> [PGError] {
        defer { noticeBox.notices.removeAll() }
        return noticeBox.notices
    }

    /// A handle to cancel this connection's running statement from another thread.
    package func makeCanceller() throws -> PGCanceller {
        guard let canceller = PGCanceller(connection: try open()) else { throw clientError() }
        return canceller
    }

    /// Sends a CancelRequest for the statement running on this connection.
    package func cancel() throws {
        try makeCanceller().cancel()
    }

    // MARK: - Internals

    func open() throws -> OpaquePointer {
        guard let handle else { throw PGError(kind: .client, message: "connection is closed") }
        return handle
    }

    func clientError() -> PGError {
        let text = handle.flatMap { PQerrorMessage($0) }.map { String(cString: $0) } ?? "connection is closed"
        return PGError(kind: .client, message: text.trimmingTrailingWhitespace())
    }

    /// Reads results until libpq has none left; throws the first error among them.
    func collectResults(_ connection: OpaquePointer) throws -> [PGResult] {
        var results: [PGResult] = []
        var firstError: (any Error)?
        while let result = PQgetResult(connection) {
            defer { PQclear(result) }
            let status = PQresultStatus(result)
            if status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH {
                throw PGError(kind: .client, message: "COPY needs copyIn/copyOut")
            }
            do { results.append(try PGResult.make(from: result, connection: connection)) } catch {
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
        return results
    }

    private func finishConnecting(_ connection: OpaquePointer, timeout: Double) throws {
        let deadline = Monotonic.now + timeout
        var state = PGRES_POLLING_WRITING
        while true {
            if state == PGRES_POLLING_OK { return }
            if state == PGRES_POLLING_FAILED || PQstatus(connection) == CONNECTION_BAD {
                throw PGError.connectionFailure(message: String(cString: PQerrorMessage(connection)))
            }
            let remaining = deadline - Monotonic.now
            guard remaining > 0 else { throw PGError(kind: .connection, message: "timeout while connecting") }
            var descriptor = pollfd(
                fd: PQsocket(connection), events: Int16(state == PGRES_POLLING_READING ? POLLIN : POLLOUT),
                revents: 0)
            if poll(&descriptor, 1, Int32(remaining * 1000) + 1) < 0 && errno != EINTR {
                throw PGError(kind: .connection, message: "poll failed: errno \(errno)")
            }
            state = PQconnectPoll(connection)
        }
    }
}

/// Where the notice receiver callback puts notices; owned by its connection, used on its thread.
private final class NoticeBox {
    var notices: [PGError] = []
}

/// Calls `body` with the strings as C strings (`nil` stays NULL), valid only during the call.
func withCStrings<Result>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> Result) -> Result {
    let copies = strings.map { $0.map { strdup($0) } ?? nil }
    defer { for copy in copies { free(copy) } }
    return body(copies.map { $0.map { UnsafePointer($0) } })
}
