// DemoEnvironment: the servers behind `switchyard demo` (a primary with a streaming replica and two
// shards), their sample data, and the configuration that puts Switchyard in front of them.
import Foundation
import Logging

/// Local servers for `switchyard demo`, ready to be proxied.
///
/// Cluster `main` is a primary with one streaming replica and holds table `accounts` with a few
/// rows; clusters `shard0` and `shard1` each hold an empty `orders` table sharded by `customer_id`.
/// Every server has role `app` (password `app`, SCRAM) owning database `app`.
package struct DemoEnvironment: Sendable {
    /// The servers and their directory.
    package let topology: LocalTopology
    package let main: LocalCluster
    package let shards: [LocalPostgres]
    /// The Switchyard configuration for these servers.
    package let configText: String
    /// Where `configText` was written (`switchyard.toml` in the base directory).
    package let configPath: String
    /// The port clients connect to through the proxy.
    package let proxyPort: Int

    /// The DSN to give `psql` once the proxy runs.
    package var dsn: String {
        "postgresql://\(DemoConfiguration.user):\(DemoConfiguration.password)@127.0.0.1:\(proxyPort)/"
            + DemoConfiguration.database
    }

    /// The directory the servers run in.
    package var directory: String { topology.baseDirectory }

    /// Starts the demo servers under `directory` (a new temporary directory when `nil`) and writes
    /// the configuration for a proxy on `proxyPort` with its admin port on `adminPort`.
    ///
    /// - Parameters:
    ///   - serverPorts: fixed ports for primary, replica, shard0 and shard1; `nil` picks free ports.
    ///   - fast: durability off (`fsync` and friends), for tests.
    /// - Throws: `LocalError` when binaries are missing, a directory is unusable or a server fails;
    ///   whatever had started is stopped first.
    package static func start(
        directory: String? = nil,
        proxyPort: Int = 6432,
        adminPort: Int = 6480,
        serverPorts: [Int]? = nil,
        fast: Bool = false,
        logger: Logger = Logger(label: "switchyard.demo")
    ) throws -> DemoEnvironment {
        let topology = try LocalTopology(directory: directory, logger: logger)
        do {
            return try start(
                topology: topology, proxyPort: proxyPort, adminPort: adminPort, serverPorts: serverPorts, fast: fast)
        } catch {
            topology.stop()
            throw error
        }
    }

    private static func start(
        topology: LocalTopology, proxyPort: Int, adminPort: Int, serverPorts: [Int]?, fast: Bool
    ) throws -> DemoEnvironment {
        func options(_ index: Int) -> LocalPostgresOptions {
            LocalPostgresOptions(port: serverPorts.flatMap { index < $0.count ? $0[index] : nil }, fast: fast)
        }
        let main = try topology.startCluster(
            name: "main", replicas: 0, options: options(0))
        let shards = try (0..<2).map { try topology.startServer(name: "shard\($0)", options: options($0 + 2)) }
        for server in [main.primary] + shards {
            try server.createRole(name: DemoConfiguration.user, password: DemoConfiguration.password)
            try server.createDatabase(name: DemoConfiguration.database, owner: DemoConfiguration.user)
        }
        try main.primary.query(Self.mainSchema, database: DemoConfiguration.database)
        for shard in shards { try shard.query(Self.shardSchema, database: DemoConfiguration.database) }
        // The replica is copied after the setup, so it starts with the roles and tables in place.
        let replica = try topology.startReplica(
            of: main.primary, name: "main-replica1", options: ReplicaOptions(port: options(1).port))
        let cluster = LocalCluster(name: "main", primary: main.primary, replicas: [replica])

        let configuration = DemoConfiguration(
            proxyPort: proxyPort, adminPort: adminPort,
            primary: (main.primary.host, main.primary.port), replica: (replica.host, replica.port),
            shards: shards.map { ($0.host, $0.port) }, directory: topology.baseDirectory)
        let configPath = topology.baseDirectory + "/switchyard.toml"
        try configuration.text.write(toFile: configPath, atomically: true, encoding: .utf8)
        return DemoEnvironment(
            topology: topology, main: cluster, shards: shards, configText: configuration.text,
            configPath: configPath, proxyPort: proxyPort)
    }

    /// Stops every server; deletes the directory when it was temporary.
    package func stop() {
        topology.stop()
    }

    private static let mainSchema = """
        SET ROLE app;
        CREATE TABLE accounts (
            id bigint PRIMARY KEY,
            owner text NOT NULL,
            balance numeric(12, 2) NOT NULL DEFAULT 0
        );
        INSERT INTO accounts VALUES (1, 'alice', 120.00), (2, 'bob', 75.50), (3, 'carol', 310.25);
        """

    private static let shardSchema = """
        SET ROLE app;
        CREATE TABLE orders (
            customer_id bigint NOT NULL,
            id bigserial,
            item text,
            PRIMARY KEY (customer_id, id)
        );
        """
}
