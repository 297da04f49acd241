// SplitProxy: a proxy in front of a primary and its streaming replicas, and the means to see
// which server ran a statement (`inet_server_port()`, which PostgreSQL answers itself).
import SwitchyardTesting
import Testing

/// A read/write split setup: cluster `main` with a primary and its replicas behind a proxy.
struct SplitProxy {
    let fixture: ProxyFixture
    let primary: LocalPostgres
    let replicas: [LocalPostgres]

    /// The primary's port as `inet_server_port()` prints it.
    var primaryPort: String { String(primary.port) }
    /// The replicas' ports, in configuration order.
    var replicaPorts: [String] { replicas.map { String($0.port) } }

    /// The configuration of a proxy over `cluster`: `databaseSettings` under `[databases.app]`,
    /// short health-check intervals, transaction pooling.
    ///
    /// - Parameter weights: the replicas' `weight`s, in order (default 1 each).
    static func configuration(
        cluster: LocalCluster,
        databaseSettings: [String: String] = [:],
        weights: [Int]? = nil,
        primaryWeight: Int? = nil,
        poolSize: Int = 4
    ) -> ProxyConfiguration {
        var configuration = ProxyConfiguration(poolMode: "transaction", poolSize: poolSize)
        configuration.replicas = cluster.replicas.enumerated().map { index, replica in
            ProxyConfiguration.Replica(replica, weight: weights?[index] ?? 1)
        }
        configuration.primaryWeight = primaryWeight
        configuration.databaseSettings = databaseSettings
        configuration.healthSettings = ["interval_ms": "200", "timeout_ms": "1000"]
        return configuration
    }

    /// Starts a proxy over `cluster` (the shared primary and its two replicas by default).
    ///
    /// - Parameter adjust: last changes to the configuration (proxy settings, pool size, ...).
    static func start(
        cluster: LocalCluster? = nil,
        databaseSettings: [String: String] = [:],
        weights: [Int]? = nil,
        primaryWeight: Int? = nil,
        poolSize: Int = 4,
        adjust: (inout ProxyConfiguration) -> Void = { _ in }
    ) throws -> SplitProxy {
        let cluster = try cluster ?? TestCluster.shared.main()
        var configuration = Self.configuration(
            cluster: cluster, databaseSettings: databaseSettings, weights: weights, primaryWeight: primaryWeight,
            poolSize: poolSize)
        adjust(&configuration)
        return SplitProxy(try ProxyFixture.start(configuration, primary: cluster.primary))
    }

    /// The split setup of a running fixture whose configuration has replicas.
    init(_ fixture: ProxyFixture) {
        self.fixture = fixture
        self.primary = fixture.primary
        self.replicas = fixture.configuration.replicas.compactMap(\.server)
    }

    func stop() { fixture.stop() }

    /// Runs `sql` (whose first column is `inet_server_port()`) `count` times on `connection`;
    /// returns how many times each port answered.
    func ports(of sql: String = "SELECT inet_server_port()", times count: Int, on connection: PGConnection) throws
        -> [String: Int]
    {
        var counts: [String: Int] = [:]
        for _ in 0..<count {
            counts[try connection.exec(sql).scalar ?? "NULL", default: 0] += 1
        }
        return counts
    }

    /// A human-readable name of the server behind `port` (for messages).
    func name(of port: String?) -> String {
        if port == primaryPort { return "primary" }
        if let index = replicaPorts.firstIndex(where: { $0 == port }) { return "replica\(index + 1)" }
        return "unknown(\(port ?? "NULL"))"
    }

    /// `counts` keyed by server names instead of ports.
    func named(_ counts: [String: Int]) -> [String: Int] {
        Dictionary(counts.map { (name(of: $0.key), $0.value) }, uniquingKeysWith: +)
    }

    /// Waits until every replica has replayed everything the primary has written so far.
    func waitForReplicas() throws {
        for replica in replicas { try replica.waitUntilCaughtUp(with: primary) }
    }
}
