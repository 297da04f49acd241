// PBKDF2: password-based key derivation with HMAC-SHA-256 (RFC 8018), as SCRAM's Hi() function.
import COpenSSL

/// Derives `length` bytes from `password` and `salt` with PBKDF2-HMAC-SHA-256 (RFC 8018 §5.2).
///
/// With `length` 32 this is SCRAM's `Hi(password, salt, iterations)` (RFC 5802 §2.2).
/// Callers bound `iterations` before calling: each one costs two SHA-256 compressions, and a
/// count from a peer must never reach here unchecked.
/// - Precondition: `iterations` is in `1...Int32.max` and `length` in `1...Int32.max`.
package func pbkdf2SHA256(password: [UInt8], salt: [UInt8], iterations: Int, length: Int = 32) -> [UInt8] {
    precondition(iterations >= 1 && iterations <= Int(Int32.max), "PBKDF2 iteration count out of range")
    precondition(length >= 1 && length <= Int(Int32.max), "PBKDF2 output length out of range")
    return [UInt8](unsafeUninitializedCapacity: length) { output, initialized in
        let result = withCBuffer(password) { password, passwordCount in
            withCBuffer(salt) { salt, saltCount in
                password.withMemoryRebound(to: CChar.self, capacity: max(passwordCount, 1)) { password in
                    PKCS5_PBKDF2_HMAC(
                        password, Int32(passwordCount), salt, Int32(saltCount),
                        Int32(iterations), EVP_sha256(), Int32(length), output.baseAddress
                    )
                }
            }
        }
        precondition(result == 1, "OpenSSL PBKDF2-HMAC-SHA-256 failed")
        initialized = length
    }
}
