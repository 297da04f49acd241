// SampleSnapshot: a small, hand-made snapshot that the rendering tests share.
import SwitchyardAdmin

/// Two clusters: `main` (a primary and a replica, traffic, a pool) and one whose name needs
/// escaping everywhere, whose primary is down at an IPv6 address and whose replica is fenced.
enum SampleSnapshot {
    /// A name with a quote, a backslash and a newline: JSON, Prometheus and HTML must escape it.
    static let oddName = "odd \"one\"\\\n"

    /// `main`'s durations: 0.3 ms, 2 ms, 0.7 s and 12 s, one in each of the buckets
    /// le=0.0005, le=0.0025, le=1 and +Inf. Sum: 0.0003 + 0.002 + 0.7 + 12 = 12.7023 s.
    static var mainDurations: DurationHistogram {
        var histogram = DurationHistogram()
        for seconds in [0.0003, 0.002, 0.7, 12.0] { histogram.observe(seconds: seconds) }
        return histogram
    }

    static var snapshot: StatsSnapshot {
        let main = ClusterStats(
            name: "main",
            primary: "10.0.0.1:5432",
            servers: [
                ServerStats(
                    host: "10.0.0.1",
                    port: 5432,
                    role: .primary,
                    state: .up,
                    connections: ConnectionCounts(active: 2, idle: 3),
                    queries: 100,
                    reads: 40,
                    writes: 50,
                    errors: 1
                ),
                ServerStats(
                    host: "10.0.0.2",
                    port: 5432,
                    role: .replica,
                    state: .up,
                    lagBytes: 2048,
                    connections: ConnectionCounts(active: 1, idle: 4),
                    queries: 60,
                    reads: 60,
                    writes: 0,
                    errors: 0
                ),
            ],
            queryDuration: mainDurations
        )
        let odd = ClusterStats(
            name: oddName,
            primary: nil,
            isPaused: true,
            servers: [
                ServerStats(host: "::1", port: 5433, role: .primary, state: .down),
                ServerStats(host: "10.0.0.9", port: 5432, role: .replica, state: .fenced),
            ]
        )
        let clusters = [main, odd]
        return StatsSnapshot(
            version: "1.2.3",
            uptimeSeconds: 3725,
            config: .init(
                path: "/etc/switchyard/switchyard.toml",
                loadedAt: 1_700_000_000,
                reloads: 2,
                reloadFailures: 1
            ),
            clients: .init(connected: 5, waiting: 1, pinned: 2),
            clusters: clusters,
            pools: [
                PoolStats(
                    cluster: "main",
                    server: "10.0.0.1:5432",
                    user: "app",
                    database: "appdb",
                    active: 2,
                    idle: 3,
                    waiting: 1,
                    maxSize: 20
                )
            ],
            totals: .init(summing: clusters, routingErrors: 3),
            readsOnPrimaryByReason: ["read_after_write": 7, "hint": 2]
        )
    }
}
