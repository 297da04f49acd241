// Digests: SHA-256, MD5 and HMAC-SHA-256 over OpenSSL's one-shot functions.
import COpenSSL

/// Length in bytes of a SHA-256 digest and of an HMAC-SHA-256 tag.
package let sha256DigestLength = 32

/// Returns the SHA-256 digest of `bytes` (32 bytes).
package func sha256(_ bytes: [UInt8]) -> [UInt8] {
    [UInt8](unsafeUninitializedCapacity: sha256DigestLength) { output, initialized in
        withCBuffer(bytes) { input, count in
            _ = SHA256(input, count, output.baseAddress)
        }
        initialized = sha256DigestLength
    }
}

/// Returns HMAC-SHA-256 of `data` under `key` (32 bytes), as RFC 2104 and RFC 4231 define it.
package func hmacSHA256(key: [UInt8], data: [UInt8]) -> [UInt8] {
    [UInt8](unsafeUninitializedCapacity: sha256DigestLength) { output, initialized in
        var length: UInt32 = 0
        withCBuffer(key) { key, keyCount in
            withCBuffer(data) { data, dataCount in
                let result = HMAC(EVP_sha256(), key, Int32(keyCount), data, dataCount, output.baseAddress, &length)
                precondition(result != nil && length == UInt32(sha256DigestLength), "OpenSSL HMAC-SHA-256 failed")
            }
        }
        initialized = sha256DigestLength
    }
}

/// Returns the MD5 digest of `bytes` (16 bytes).
///
/// MD5 is broken as a hash; it is here only because PostgreSQL's `md5` password method needs it.
package func md5(_ bytes: [UInt8]) -> [UInt8] {
    [UInt8](unsafeUninitializedCapacity: 16) { output, initialized in
        var length: UInt32 = 0
        // EVP_Digest rather than MD5(): the latter is deprecated in OpenSSL 3.
        let result = withCBuffer(bytes) { input, count in
            EVP_Digest(input, count, output.baseAddress, &length, EVP_md5(), nil)
        }
        precondition(result == 1 && length == 16, "OpenSSL MD5 failed")
        initialized = 16
    }
}

/// Returns the MD5 digest of `bytes` as 32 lower-case hex digits, the form PostgreSQL's md5 method uses.
package func md5Hex(_ bytes: [UInt8]) -> String {
    Hex.encode(md5(bytes))
}
