// CBuffer: hands Swift byte arrays to OpenSSL as pointers that are never NULL.

/// Calls `body` with a pointer to `bytes` and their count; the pointer is valid even when
/// `bytes` is empty, since OpenSSL gives a NULL key or input special meanings in places
/// (HMAC reads a NULL key as "reuse the previous key").
func withCBuffer<Result>(_ bytes: [UInt8], _ body: (UnsafePointer<UInt8>, Int) -> Result) -> Result {
    bytes.withUnsafeBufferPointer { buffer in
        if let base = buffer.baseAddress {
            return body(base, buffer.count)
        }
        var placeholder: UInt8 = 0
        return withUnsafePointer(to: &placeholder) { body($0, 0) }
    }
}
