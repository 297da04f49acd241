// PostgresHashTests: known answers captured from PostgreSQL 15 for its hash functions and hash partitions.

import SwitchyardRouting
import Testing

/// Every expected value here was produced by a real PostgreSQL 15.18 server (Debian build,
/// x86-64, database encoding UTF8, locale C):
/// - raw hashes with `SELECT hashint8extended(k, seed)` and `SELECT hashtextextended(k, seed)`
///   (printed as signed bigint; converted here with `UInt64(bitPattern:)`), for seed 0 and
///   seed 8816678312871386365 = HASH_PARTITION_SEED;
/// - partitions by inserting the key into tables `PARTITION BY HASH (k)` with partitions
///   `FOR VALUES WITH (MODULUS m, REMAINDER r)` and reading each row's `tableoid`
///   (benchmarks/classifier-pghash-check.sh repeats that for ~6,000 random keys).
@Suite struct PostgresHashTests {
    static let partitionSeed = PostgresHash.partitionSeed

    static let int8Hashes: [(Int64, Int64, Int64)] = [
        (0, 4_154_612_158_245_552_303, -4_403_592_609_991_167_795),
        (1, -3_670_598_878_359_251_130, 5_968_994_663_651_403_477),
        (-1, -1_888_257_769_727_981_238, -5_017_072_347_659_237_694),
        (42, 8_010_225_493_015_854_792, 7_363_975_540_656_877_951),
        (.max, 1_977_219_185_673_256_887, 4_938_542_303_000_433_043),
        (.min, -9_109_110_466_470_504_941, -6_050_265_599_104_649_060),
    ]

    @Test(arguments: int8Hashes)
    func hashint8extendedKnownAnswers(_ key: Int64, _ unseeded: Int64, _ seeded: Int64) {
        #expect(PostgresHash.hashInt8Extended(key, seed: 0) == UInt64(bitPattern: unseeded))
        #expect(PostgresHash.hashInt8Extended(key, seed: Self.partitionSeed) == UInt64(bitPattern: seeded))
    }

    static let textHashes: [(String, Int64, Int64)] = [
        ("", -6_939_563_903_564_495_251, -5_700_645_584_453_517_373),
        ("a", 3_591_986_179_850_072_241, -6_705_225_459_120_232_837),
        ("abc", -6_747_756_470_228_489_321, 3_628_778_498_291_917_250),
        ("hello world!", -2_866_487_628_948_787_489, -1_886_269_529_411_655_687),
        ("customer-1234567890", 6_197_930_288_004_906_811, -185_679_825_124_568_971),
        ("é", -763_932_721_387_459_829, 4_377_877_661_621_198_540),
        ("日本語", 2_870_829_529_307_104_068, -8_050_275_759_738_715_173),
    ]

    @Test(arguments: textHashes)
    func hashtextextendedKnownAnswers(_ text: String, _ unseeded: Int64, _ seeded: Int64) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBufferPointer { buffer in
            #expect(PostgresHash.hashBytesExtended(buffer, seed: 0) == UInt64(bitPattern: unseeded))
            #expect(PostgresHash.hashBytesExtended(buffer, seed: Self.partitionSeed) == UInt64(bitPattern: seeded))
        }
    }

    /// `SELECT hashint4extended(42, seed), hashint2extended(42::int2, seed)` equal
    /// `hashint8extended(42, seed)`: narrower integers hash alike, so int4 Bind values may be
    /// widened.
    @Test func narrowIntegersHashLikeBigint() {
        #expect(PostgresHash.hashInt8Extended(42, seed: Self.partitionSeed) == 7_363_975_540_656_877_951)
    }

    /// (key, remainder for MODULUS 2, 3, 7).
    static let bigintPartitions: [(Int64, [Int])] = [
        (0, [0, 2, 4]), (1, [0, 2, 5]), (-1, [1, 2, 0]), (42, [0, 0, 0]),
        (4_294_967_296, [0, 2, 5]), (-4_294_967_296, [0, 2, 4]),
        (.max, [0, 0, 3]), (.min, [1, 1, 0]),
    ]

    @Test(arguments: bigintPartitions)
    func bigintKeysLandInPostgreSQLsPartition(_ key: Int64, _ remainders: [Int]) {
        let hash = PostgresHash.partitionHash(ofInt64: key)
        #expect([2, 3, 7].map { PostgresHash.remainder(ofPartitionHash: hash, modulus: $0) } == remainders)
    }

    static let textPartitions: [(String, [Int])] = [
        ("", [0, 2, 1]), ("a", [0, 2, 3]), ("customer-1", [0, 1, 0]), ("é", [1, 1, 4]),
        ("日本語", [0, 0, 6]), ("🙂 emoji", [1, 1, 6]),
    ]

    @Test(arguments: textPartitions)
    func textKeysLandInPostgreSQLsPartition(_ key: String, _ remainders: [Int]) {
        let hash = Array(key.utf8).withUnsafeBufferPointer { PostgresHash.partitionHash(ofText: $0) }
        #expect([2, 3, 7].map { PostgresHash.remainder(ofPartitionHash: hash, modulus: $0) } == remainders)
    }

    /// PostgreSQL skips NULL key columns, leaving the row hash 0: remainder 0.
    @Test func nullKeysHashToZero() {
        #expect(PostgresHash.partitionHash(ofInt64: nil) == 0)
        #expect(PostgresHash.partitionHash(ofText: nil) == 0)
    }

    /// `hash_combine64(a, b) = a ^ (b + 0x49a0f4dd15e5a8e3 + (a << 54) + (a >> 7))`, by hand.
    @Test func combine64() {
        #expect(PostgresHash.combine64(0, 0) == 0x49A0_F4DD_15E5_A8E3)
        #expect(PostgresHash.combine64(1, 0) == 1 ^ (0x49A0_F4DD_15E5_A8E3 &+ (1 << 54)))
    }
}
