// TLSError: why a TLS context could not be built or a TLS connection failed, with OpenSSL's reason.
import COpenSSL
import Glibc

/// A TLS failure in words a log line or an 08006 message can carry; never contains key material.
package struct TLSError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was being done ("could not load certificate file \"/etc/x.pem\"").
    package var operation: String
    /// OpenSSL's reason ("no such file", "certificate verify failed: hostname mismatch").
    package var reason: String

    package init(_ operation: String, reason: String) {
        self.operation = operation
        self.reason = reason
    }

    package var description: String { "\(self.operation): \(self.reason)" }

    /// The error with the reason taken (and cleared) from this thread's OpenSSL error queue.
    static func fromQueue(_ operation: String) -> TLSError {
        TLSError(operation, reason: Self.drainQueue() ?? "unknown OpenSSL error")
    }

    /// The reason of the earliest error on this thread's OpenSSL queue, which is then emptied.
    static func drainQueue() -> String? {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return nil }
        if let text = ERR_reason_error_string(code) { return String(cString: text) }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The form an I/O result carries: the connection layer reports failures as `SystemCallError`.
    var systemCallError: SystemCallError {
        SystemCallError(self.description, errno: EPROTO)
    }
}
