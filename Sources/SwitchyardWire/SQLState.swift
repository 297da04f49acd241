// SQLState: the five-character error codes Switchyard reports, grouped by class.

/// A PostgreSQL SQLSTATE error code (five characters, e.g. `08P01`).
///
/// Every client-facing error names one of the constants below; no other file spells a code.
package struct SQLState: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The five ASCII characters of the code.
    package let code: String

    package init(stringLiteral value: String) {
        precondition(value.utf8.count == 5, "a SQLSTATE has exactly five characters")
        self.code = value
    }

    /// Wraps a code received from a server; `nil` unless it has exactly five characters.
    package init?(received value: String) {
        guard value.utf8.count == 5 else { return nil }
        self.code = value
    }

    /// The error class: the first two characters (`"08"` for `08P01`).
    package var errorClass: Substring { self.code.prefix(2) }

    package var description: String { self.code }

    // Class 00 — Successful Completion
    package static let successfulCompletion: SQLState = "00000"

    // Class 08 — Connection Exception
    package static let connectionException: SQLState = "08000"
    package static let connectionFailure: SQLState = "08006"
    package static let protocolViolation: SQLState = "08P01"

    // Class 0A — Feature Not Supported
    package static let featureNotSupported: SQLState = "0A000"

    // Class 22 — Data Exception
    package static let characterNotInRepertoire: SQLState = "22021"

    // Class 25 — Invalid Transaction State
    package static let activeSQLTransaction: SQLState = "25001"
    package static let noActiveSQLTransaction: SQLState = "25P01"
    package static let inFailedSQLTransaction: SQLState = "25P02"

    // Class 40 — Transaction Rollback
    package static let transactionRollback: SQLState = "40000"
    package static let idleInTransactionSessionTimeout: SQLState = "25P03"

    // Class 28 — Invalid Authorization Specification
    package static let invalidAuthorizationSpecification: SQLState = "28000"
    package static let invalidPassword: SQLState = "28P01"

    // Class 3D — Invalid Catalog Name
    package static let invalidCatalogName: SQLState = "3D000"

    // Class 42 — Syntax Error or Access Rule Violation
    package static let syntaxError: SQLState = "42601"
    package static let objectNotInPrerequisiteState: SQLState = "55000"
    package static let undefinedObject: SQLState = "42704"
    package static let insufficientPrivilege: SQLState = "42501"
    package static let invalidParameterValue: SQLState = "22023"
    package static let undefinedPreparedStatement: SQLState = "26000"
    package static let duplicatePreparedStatement: SQLState = "42P05"

    // Class 53 — Insufficient Resources
    package static let tooManyConnections: SQLState = "53300"
    package static let outOfMemory: SQLState = "53200"

    // Class 57 — Operator Intervention
    package static let queryCanceled: SQLState = "57014"
    package static let adminShutdown: SQLState = "57P01"
    package static let cannotConnectNow: SQLState = "57P03"

    // Class XX — Internal Error
    package static let internalError: SQLState = "XX000"
}
