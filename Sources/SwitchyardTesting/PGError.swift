// PGError: an error seen through libpq (server ErrorResponse fields, or a connection failure).
import CLibPQ
import SwitchyardWire

/// An error reported by libpq: from the server (with its SQLSTATE) or from libpq itself.
package struct PGError: Error, CustomStringConvertible, Sendable {
    /// Where the error came from.
    package enum Kind: Sendable, Equatable {
        /// Connecting or authenticating failed (the server may still have sent a FATAL with a code).
        case connection
        /// The server answered a statement with an ErrorResponse.
        case server
        /// libpq failed locally (lost connection, misuse); there is no SQLSTATE.
        case client
    }

    package var kind: Kind
    /// The SQLSTATE the server sent, if any.
    package var sqlState: SQLState?
    /// `ERROR`, `FATAL` or `PANIC` when the server sent one.
    package var severity: String?
    /// The primary message (the server's, without severity and code, when there is one).
    package var message: String
    package var detail: String?
    package var hint: String?

    package init(
        kind: Kind, sqlState: SQLState? = nil, severity: String? = nil, message: String, detail: String? = nil,
        hint: String? = nil
    ) {
        self.kind = kind
        self.sqlState = sqlState
        self.severity = severity
        self.message = message
        self.detail = detail
        self.hint = hint
    }

    package var description: String {
        var text = [severity, sqlState?.code].compactMap { $0 }.joined(separator: " ")
        text += (text.isEmpty ? "" : ": ") + message
        if let detail { text += " (detail: \(detail))" }
        return text
    }

    /// The error carried by a failed result (`PQresultErrorField`), or libpq's message when the
    /// result has no fields (a local failure).
    static func from(result: OpaquePointer, connection: OpaquePointer?) -> PGError {
        func field(_ code: Character) -> String? {
            PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) }
        }
        guard let primary = field("M") else {
            // The connection's message tells most (a FATAL that came with a close, say), but it
            // may already be empty again; the result keeps its own.
            var text = connection.flatMap { PQerrorMessage($0) }.map { String(cString: $0) } ?? ""
            if text.isEmpty { text = String(cString: PQresultErrorMessage(result)) }
            return PGError(kind: .client, message: text.trimmingTrailingWhitespace())
        }
        return PGError(
            kind: .server, sqlState: field("C").flatMap(SQLState.init(received:)),
            severity: field("V") ?? field("S"), message: primary, detail: field("D"), hint: field("H"))
    }

    /// The error of a failed connection attempt, from libpq's message in verbose form.
    ///
    /// libpq exposes no fields for errors received while connecting, but with
    /// `PQERRORS_VERBOSE` it formats the server's FATAL as `FATAL:  3D000: database "x" does
    /// not exist` (after a `connection to server at ... failed: ` prefix), so the code is read
    /// back from that line.
    static func connectionFailure(message: String) -> PGError {
        let pattern = #/(FATAL|ERROR|PANIC):  ([0-9A-Z]{5}): ([^\n]*)/#
        guard let match = message.firstMatch(of: pattern) else {
            return PGError(kind: .connection, message: message.trimmingTrailingWhitespace())
        }
        var detail: String?
        if let line = message.split(separator: "\n").first(where: { $0.hasPrefix("DETAIL:  ") }) {
            detail = String(line.dropFirst("DETAIL:  ".count))
        }
        return PGError(
            kind: .connection, sqlState: SQLState(received: String(match.2)), severity: String(match.1),
            message: String(match.3), detail: detail)
    }
}
