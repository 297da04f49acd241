// SecureRandom: cryptographically strong random bytes from OpenSSL's RAND_bytes.
import COpenSSL

/// Returns `count` cryptographically strong random bytes.
///
/// Used for SCRAM nonces and salts, md5 salts and the unknown-user key. If OpenSSL's generator
/// cannot deliver, the process stops: continuing with weak randomness would silently break
/// authentication, and the failure is not something a peer can cause.
package func randomBytes(count: Int) -> [UInt8] {
    precondition(count >= 0 && count <= Int(Int32.max), "random byte count out of range")
    return [UInt8](unsafeUninitializedCapacity: count) { output, initialized in
        if count > 0 {
            let result = RAND_bytes(output.baseAddress, Int32(count))
            precondition(result == 1, "OpenSSL RAND_bytes failed")
        }
        initialized = count
    }
}

/// Compares two byte strings in time that depends only on their lengths, not their contents.
///
/// Lengths are not secret (a digest or proof has a fixed size), so unequal lengths return
/// `false` at once. Use this for every comparison of a proof, signature or password hash.
package func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
    guard lhs.count == rhs.count else { return false }
    if lhs.isEmpty { return true }
    return lhs.withUnsafeBytes { lhs in
        rhs.withUnsafeBytes { rhs in
            CRYPTO_memcmp(lhs.baseAddress, rhs.baseAddress, lhs.count) == 0
        }
    }
}

/// Initializes OpenSSL without its clean-up at process exit. Call it before any other use of
/// OpenSSL (the first initialization decides). A daemon's event loops may still log in to a
/// server, drawing a SCRAM nonce, while the main thread returns from a shutdown; with OpenSSL's
/// exit handler its generator could be torn down under them, and `randomBytes` would stop the
/// process instead of letting it exit cleanly.
package func initializeOpenSSLWithoutExitCleanup() {
    precondition(
        OPENSSL_init_crypto(UInt64(OPENSSL_INIT_NO_ATEXIT), nil) == 1, "OpenSSL could not be initialized")
}
