// Purpose: what every fuzz target shares: the invariant check that traps, and framing helpers.

/// Stops the process when an invariant does not hold, so libFuzzer records the input as a crash.
///
/// A violation is a bug in the code under test (or in the target's model of it), never an
/// expected outcome of hostile input.
@inline(never)
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("invariant violated: \(message())") }
}

/// Helpers for walking a byte stream the way the proxy does.
enum FuzzStream {
    /// The regular-message size limit the targets use: small enough that `messageTooLarge`
    /// is reachable with the 64 KiB inputs `run.sh` allows.
    static let frameLimit = 16_384

    /// The bytes of `bytes[range]` as a fresh array.
    static func array(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> [UInt8] {
        Array(UnsafeRawBufferPointer(rebasing: bytes[range]))
    }

    /// Splits `bytes` at zero bytes into at most `limit` parts (the last keeps any further zeros).
    static func split(_ bytes: ArraySlice<UInt8>, maxParts limit: Int) -> [[UInt8]] {
        var parts: [[UInt8]] = []
        var rest = bytes
        while parts.count < limit - 1, let zero = rest.firstIndex(of: 0) {
            parts.append(Array(rest[..<zero]))
            rest = rest[(zero + 1)...]
        }
        parts.append(Array(rest))
        return parts
    }
}
