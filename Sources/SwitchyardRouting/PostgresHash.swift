// PostgresHash: PostgreSQL's extended hash functions and hash-partition routing, bit for bit.

/// Reimplements the hashing behind PostgreSQL 15's `PARTITION BY HASH`, so that shard `i`
/// holds exactly the rows PostgreSQL would put in the partition `FOR VALUES WITH (MODULUS n,
/// REMAINDER i)`. Sources (REL_15_STABLE):
///
/// - Bob Jenkins' lookup3 `mix`/`final`, `hash_bytes_extended` and `hash_bytes_uint32_extended`:
///   https://github.com/postgres/postgres/blob/REL_15_STABLE/src/common/hashfn.c
/// - `hash_combine64`:
///   https://github.com/postgres/postgres/blob/REL_15_STABLE/src/include/common/hashfn.h
/// - `hashint8extended` (and `hashint4extended`/`hashint2extended`, which give equal values for
///   equal integers): https://github.com/postgres/postgres/blob/REL_15_STABLE/src/backend/access/hash/hashfunc.c
/// - `hashtextextended` (deterministic collations hash the bytes with `hash_any_extended`):
///   https://github.com/postgres/postgres/blob/REL_15_STABLE/src/backend/utils/adt/varlena.c
/// - `HASH_PARTITION_SEED`:
///   https://github.com/postgres/postgres/blob/REL_15_STABLE/src/include/catalog/partition.h
/// - `compute_partition_hash_value` (starts from 0, combines each non-null column's hash):
///   https://github.com/postgres/postgres/blob/REL_15_STABLE/src/backend/partitioning/partbounds.c
/// - `get_partition_for_tuple` (`rowHash % greatest modulus`, unsigned 64-bit):
///   https://github.com/postgres/postgres/blob/REL_15_STABLE/src/backend/executor/execPartition.c
///
/// PostgreSQL reads the key bytes as native-endian words, so hash partitions differ between
/// little- and big-endian servers; this follows little-endian servers (x86-64, ARM64).
package enum PostgresHash {
    /// `HASH_PARTITION_SEED`.
    package static let partitionSeed: UInt64 = 0x7A5B_2236_7996_DCFD

    // MARK: - Partition routing

    /// The partition hash of a single-column key: `hash_combine64(0, hash(key, seed))`. A NULL
    /// key is skipped by PostgreSQL, leaving 0.
    package static func partitionHash(ofInt64 value: Int64?) -> UInt64 {
        guard let value else { return 0 }
        return Self.combine64(0, Self.hashInt8Extended(value, seed: Self.partitionSeed))
    }

    package static func partitionHash(ofText bytes: UnsafeBufferPointer<UInt8>?) -> UInt64 {
        guard let bytes else { return 0 }
        return Self.combine64(0, Self.hashBytesExtended(bytes, seed: Self.partitionSeed))
    }

    /// `REMAINDER` of the partition (of `modulus` equal-modulus partitions) holding a row.
    package static func remainder(ofPartitionHash hash: UInt64, modulus: Int) -> Int {
        precondition(modulus > 0, "a hash-partitioned table has at least one partition")
        return Int(hash % UInt64(modulus))
    }

    // MARK: - Hash functions

    /// `hash_combine64(a, b)`: `a ^= b + 0x49a0f4dd15e5a8e3 + (a << 54) + (a >> 7)`.
    package static func combine64(_ a: UInt64, _ b: UInt64) -> UInt64 {
        a ^ (b &+ 0x49A0_F4DD_15E5_A8E3 &+ (a << 54) &+ (a >> 7))
    }

    /// `hashint8extended`: folds the high half into the low half (complemented for negative
    /// values, so that int2/int4/int8 hash alike) and hashes that 32-bit value.
    package static func hashInt8Extended(_ value: Int64, seed: UInt64) -> UInt64 {
        var low = UInt32(truncatingIfNeeded: value)
        let high = UInt32(truncatingIfNeeded: value >> 32)
        low ^= value >= 0 ? high : ~high
        return Self.hashUInt32Extended(low, seed: seed)
    }

    /// `hash_bytes_uint32_extended`.
    package static func hashUInt32Extended(_ key: UInt32, seed: UInt64) -> UInt64 {
        var a: UInt32 = 0x9E37_79B9 &+ 4 &+ 3_923_095
        var b = a
        var c = a
        if seed != 0 {
            a &+= UInt32(truncatingIfNeeded: seed >> 32)
            b &+= UInt32(truncatingIfNeeded: seed)
            Self.mix(&a, &b, &c)
        }
        a &+= key
        Self.final(&a, &b, &c)
        return UInt64(b) << 32 | UInt64(c)
    }

    /// `hash_bytes_extended` (lookup3 over the bytes, little-endian words).
    package static func hashBytesExtended(_ bytes: UnsafeBufferPointer<UInt8>, seed: UInt64) -> UInt64 {
        var remaining = bytes.count
        var a: UInt32 = 0x9E37_79B9 &+ UInt32(truncatingIfNeeded: remaining) &+ 3_923_095
        var b = a
        var c = a
        if seed != 0 {
            a &+= UInt32(truncatingIfNeeded: seed >> 32)
            b &+= UInt32(truncatingIfNeeded: seed)
            Self.mix(&a, &b, &c)
        }
        var offset = 0
        while remaining >= 12 {
            a &+= Self.word(bytes, offset)
            b &+= Self.word(bytes, offset + 4)
            c &+= Self.word(bytes, offset + 8)
            Self.mix(&a, &b, &c)
            offset += 12
            remaining -= 12
        }
        // The last 0-11 bytes; the lowest byte of c is reserved for the length.
        if remaining >= 9 { c &+= Self.partialWord(bytes, offset + 8, count: remaining - 8) << 8 }
        if remaining >= 5 { b &+= Self.partialWord(bytes, offset + 4, count: min(remaining - 4, 4)) }
        if remaining >= 1 { a &+= Self.partialWord(bytes, offset, count: min(remaining, 4)) }
        Self.final(&a, &b, &c)
        return UInt64(b) << 32 | UInt64(c)
    }

    // MARK: - lookup3

    @inline(__always)
    private static func rotate(_ value: UInt32, _ count: UInt32) -> UInt32 {
        value << count | value >> (32 - count)
    }

    @inline(__always)
    private static func mix(_ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32) {
        a &-= c; a ^= Self.rotate(c, 4); c &+= b
        b &-= a; b ^= Self.rotate(a, 6); a &+= c
        c &-= b; c ^= Self.rotate(b, 8); b &+= a
        a &-= c; a ^= Self.rotate(c, 16); c &+= b
        b &-= a; b ^= Self.rotate(a, 19); a &+= c
        c &-= b; c ^= Self.rotate(b, 4); b &+= a
    }

    @inline(__always)
    private static func final(_ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32) {
        c ^= b; c &-= Self.rotate(b, 14)
        a ^= c; a &-= Self.rotate(c, 11)
        b ^= a; b &-= Self.rotate(a, 25)
        c ^= b; c &-= Self.rotate(b, 16)
        a ^= c; a &-= Self.rotate(c, 4)
        b ^= a; b &-= Self.rotate(a, 14)
        c ^= b; c &-= Self.rotate(b, 24)
    }

    @inline(__always)
    private static func word(_ bytes: UnsafeBufferPointer<UInt8>, _ offset: Int) -> UInt32 {
        Self.partialWord(bytes, offset, count: 4)
    }

    /// Up to four bytes as a little-endian integer.
    @inline(__always)
    private static func partialWord(_ bytes: UnsafeBufferPointer<UInt8>, _ offset: Int, count: Int) -> UInt32 {
        var value: UInt32 = 0
        for index in 0..<count { value |= UInt32(bytes[offset + index]) << UInt32(8 * index) }
        return value
    }
}
