// DurationHistogram: query durations in fixed buckets, cheap to record on a loop and to merge.

/// Query durations counted in fixed buckets, the shape of a Prometheus histogram.
///
/// Recording is one comparison scan and two integer additions, so a loop can observe every query.
/// Buckets hold plain (non-cumulative) counts; `cumulativeCounts` gives the `le` view that
/// Prometheus and `/stats` report. Durations are kept in nanoseconds so that merging the
/// histograms of several loops is exact and independent of order.
package struct DurationHistogram: Sendable, Equatable {
    /// Upper bounds of the buckets, in nanoseconds: 0.5 ms to 10 s, roughly ×2–×2.5 apart.
    /// A proxy hop is well under a millisecond; a slow analytic query takes seconds.
    package static let boundsNanoseconds: [UInt64] = [
        500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000, 50_000_000,
        100_000_000, 250_000_000, 500_000_000, 1_000_000_000, 2_500_000_000, 5_000_000_000, 10_000_000_000,
    ]

    /// The same bounds in seconds, as reported (`le` labels, `/stats`).
    package static let boundsSeconds: [Double] = boundsNanoseconds.map { Double($0) / 1e9 }

    /// Observations per bucket: `bucketCounts[i]` counts durations in
    /// `(bounds[i-1], bounds[i]]`; the last element counts those above the largest bound.
    package private(set) var bucketCounts: [Int]
    /// The sum of every observed duration, in nanoseconds.
    package private(set) var sumNanoseconds: UInt64

    /// An empty histogram.
    package init() {
        self.bucketCounts = Array(repeating: 0, count: Self.boundsNanoseconds.count + 1)
        self.sumNanoseconds = 0
    }

    /// A histogram with given contents, as a snapshot carries it.
    ///
    /// - Parameter bucketCounts: non-cumulative counts, one per bound plus one for the overflow;
    ///   missing trailing buckets count as zero and extra ones are added to the overflow.
    package init(bucketCounts: [Int], sumNanoseconds: UInt64) {
        var counts = Array(repeating: 0, count: Self.boundsNanoseconds.count + 1)
        for (index, value) in bucketCounts.enumerated() {
            counts[min(index, counts.count - 1)] += value
        }
        self.bucketCounts = counts
        self.sumNanoseconds = sumNanoseconds
    }

    /// Number of observations.
    package var count: Int { self.bucketCounts.reduce(0, +) }

    /// The sum of every observed duration, in seconds.
    package var sumSeconds: Double { Double(self.sumNanoseconds) / 1e9 }

    /// Observations at or below each bound (`le`), then the total (`le="+Inf"`).
    package var cumulativeCounts: [Int] {
        var running = 0
        return self.bucketCounts.map { count in
            running += count
            return running
        }
    }

    /// Records one duration.
    @inline(__always)
    package mutating func observe(nanoseconds: UInt64) {
        var index = 0
        let bounds = Self.boundsNanoseconds
        while index < bounds.count && nanoseconds > bounds[index] { index += 1 }
        self.bucketCounts[index] += 1
        self.sumNanoseconds &+= nanoseconds
    }

    /// Records one duration given in seconds (see `nanoseconds(fromSeconds:)`).
    package mutating func observe(seconds: Double) {
        self.observe(nanoseconds: Self.nanoseconds(fromSeconds: seconds))
    }

    /// Seconds as whole nanoseconds; negative values and NaN count as zero, huge ones saturate.
    package static func nanoseconds(fromSeconds seconds: Double) -> UInt64 {
        let nanoseconds = seconds * 1e9
        guard nanoseconds > 0 else { return 0 }  // also false for NaN
        guard nanoseconds < Double(UInt64.max) else { return .max }
        return UInt64(nanoseconds.rounded())
    }

    /// Adds another histogram's observations to this one.
    package mutating func merge(_ other: DurationHistogram) {
        for index in self.bucketCounts.indices { self.bucketCounts[index] += other.bucketCounts[index] }
        self.sumNanoseconds &+= other.sumNanoseconds
    }

    /// The merge of several histograms.
    package static func merged<S: Sequence>(_ histograms: S) -> DurationHistogram where S.Element == DurationHistogram {
        var result = DurationHistogram()
        for histogram in histograms { result.merge(histogram) }
        return result
    }
}
