// PGErrorCapture: runs a statement that should fail and hands back what libpq reported.
import SwitchyardTesting
import SwitchyardWire

/// The `PGError` that `body` threw; `nil` when it succeeded. Other errors are rethrown.
func pgError(_ body: () throws -> Void) throws -> PGError? {
    do {
        try body()
        return nil
    } catch let error as PGError {
        return error
    }
}

extension PGError {
    /// `CODE: message`, for expectations' failure messages.
    var summary: String { "\(sqlState?.code ?? "-----"): \(message)" }
}
