// DurationHistogramTests: bucket boundaries, cumulative counts, sums and merging.
import SwitchyardAdmin
import Testing

@Suite("DurationHistogram")
struct DurationHistogramTests {
    /// Prometheus buckets are "less than or equal": a duration exactly on a bound belongs to that
    /// bound's bucket; one nanosecond more belongs to the next.
    @Test(arguments: [
        (UInt64(0), 0),
        (500_000, 0),
        (500_001, 1),
        (1_000_000, 1),
        (2_500_000, 2),
        (9_999_999, 4),
        (10_000_000, 4),
        (999_999_999, 10),
        (1_000_000_000, 10),
        (10_000_000_000, 13),
        (10_000_000_001, 14),
        (UInt64.max, 14),
    ])
    func durationLandsInItsBucket(nanoseconds: UInt64, bucket: Int) {
        var histogram = DurationHistogram()
        histogram.observe(nanoseconds: nanoseconds)
        var expected = Array(repeating: 0, count: 15)
        expected[bucket] = 1
        #expect(histogram.bucketCounts == expected)
        #expect(histogram.count == 1)
    }

    @Test func boundsAreTheDocumentedSeconds() {
        #expect(
            DurationHistogram.boundsSeconds == [
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
            ]
        )
    }

    /// Ten durations, worked by hand: 0.1 ms ×3 (le=0.0005), 3 ms ×2 (le=0.005), 40 ms (le=0.05),
    /// 0.3 s ×2 (le=0.5), 7 s (le=10), 20 s (+Inf only). Cumulative: 3 at le=0.0005, 5 from le=0.005,
    /// 6 from le=0.05, 8 from le=0.5, 9 from le=10, 10 in all.
    /// Sum: 0.0003 + 0.006 + 0.04 + 0.6 + 7 + 20 = 27.6463 s.
    @Test func cumulativeCountsAndSum() {
        var histogram = DurationHistogram()
        for seconds in [0.0001, 0.0001, 0.0001, 0.003, 0.003, 0.04, 0.3, 0.3, 7, 20] {
            histogram.observe(seconds: seconds)
        }
        #expect(histogram.cumulativeCounts == [3, 3, 3, 5, 5, 5, 6, 6, 6, 8, 8, 8, 8, 9, 10])
        #expect(histogram.count == 10)
        #expect(histogram.sumNanoseconds == 27_646_300_000)
        #expect(histogram.sumSeconds == 27.6463)
    }

    @Test(arguments: [(-1.0, UInt64(0)), (.nan, 0), (0.0000000004, 0), (0.0000000006, 1), (1e30, UInt64.max)])
    func secondsConvertSafely(seconds: Double, nanoseconds: UInt64) {
        #expect(DurationHistogram.nanoseconds(fromSeconds: seconds) == nanoseconds)
    }

    @Test func mergeAddsBucketsAndSums() {
        var a = DurationHistogram()
        var b = DurationHistogram()
        a.observe(nanoseconds: 100)
        a.observe(nanoseconds: 3_000_000)
        b.observe(nanoseconds: 3_000_000)
        b.observe(nanoseconds: 60_000_000_000)
        var merged = a
        merged.merge(b)
        var expected = Array(repeating: 0, count: 15)
        expected[0] = 1
        expected[3] = 2
        expected[14] = 1
        #expect(merged.bucketCounts == expected)
        #expect(merged.sumNanoseconds == 100 + 6_000_000 + 60_000_000_000)
        #expect(DurationHistogram.merged([a, b]) == merged)
    }

    @Test func snapshotInitializerFoldsExtraBucketsIntoTheOverflow() {
        let histogram = DurationHistogram(
            bucketCounts: [1, 2] + Array(repeating: 0, count: 12) + [3, 4],
            sumNanoseconds: 9
        )
        #expect(histogram.bucketCounts.count == 15)
        #expect(histogram.bucketCounts.last == 7)
        #expect(histogram.count == 10)
    }
}
