// ByteHash: a fast 64-bit hash and equality test over raw bytes, for the statement cache.

/// Hashes statement texts eight bytes at a time. Not cryptographic: a colliding text only costs
/// a cache miss, because the cache compares the bytes before trusting a hit.
enum ByteHash {
    private static let multiplier: UInt64 = 0x9FB2_1C65_1E98_DF25

    @inline(__always)
    private static func mix(_ value: UInt64) -> UInt64 {
        var value = value
        value ^= value >> 32
        value &*= Self.multiplier
        value ^= value >> 29
        return value
    }

    static func hash(_ bytes: UnsafeBufferPointer<UInt8>, seed: UInt64) -> UInt64 {
        let count = bytes.count
        var state = seed ^ (UInt64(truncatingIfNeeded: count) &* 0x9E37_79B9_7F4A_7C15)
        guard let base = bytes.baseAddress, count > 0 else { return Self.mix(state) }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        // Two independent lanes keep the multiplier pipeline busy.
        var other = state ^ 0xD6E8_FEB8_6659_FD93
        while offset + 16 <= count {
            state = (state ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* Self.multiplier
            other = (other ^ raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)) &* Self.multiplier
            state ^= state >> 31
            other ^= other >> 29
            offset += 16
        }
        if offset + 8 <= count {
            state = (state ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* Self.multiplier
            state ^= state >> 31
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < count {
            tail |= UInt64(base[offset]) << shift
            shift += 8
            offset += 1
        }
        state = (state ^ tail) &* Self.multiplier
        return Self.mix(state ^ (other &* 0xC2B2_AE3D_27D4_EB4F))
    }

    /// Byte-for-byte equality, eight bytes at a time.
    static func equal(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = lhs.count
        guard count == rhs.count else { return false }
        guard count > 0, let left = lhs.baseAddress, let right = rhs.baseAddress else { return true }
        let leftRaw = UnsafeRawPointer(left)
        let rightRaw = UnsafeRawPointer(right)
        var offset = 0
        while offset + 8 <= count {
            if leftRaw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                != rightRaw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            {
                return false
            }
            offset += 8
        }
        while offset < count {
            if left[offset] != right[offset] { return false }
            offset += 1
        }
        return true
    }
}
