// TestCluster: the PostgreSQL servers shared by the whole integration suite, started lazily, once.
import Foundation
import Logging
import Synchronization

/// The shared servers of a test process.
///
/// - cluster `main`: `primary()` with two streaming replicas, `replicas()`;
/// - cluster `users`: one server, `usersServer()`;
/// - `shards()`: two independent servers, `shard0` and `shard1`.
///
/// Each piece starts on first use (a test that needs only the primary does not start shards), under
/// a lock, so parallel tests asking at once share one start. A piece that failed to start fails
/// every later request with the same error instead of retrying. Every server has the `TestUser`
/// roles and database `app`. Servers stop and their directory is deleted at process exit (the
/// registry's `atexit`), also when tests fail, and on SIGINT/SIGTERM; servers of a test process
/// that crashed are stopped by the next one (`LocalRegistry.reapOrphans`).
///
/// Tests must not stop, promote or reconfigure these servers; `makeThrowawayReplica()` and
/// `startThrowawayCluster(replicas:)` give servers that a test may break.
package final class TestCluster: Sendable {
    /// The servers of this test process.
    package static let shared = TestCluster()

    /// Settings of every test server: fast (no fsync), logical WAL for move tests.
    package static var serverOptions: LocalPostgresOptions {
        var options = LocalPostgresOptions(fast: true)
        options.walLevel = .logical
        options.hostRules = TestUser.hostRules
        return options
    }

    private let topologyCell = Once<LocalTopology>()
    private let primaryCell = Once<LocalPostgres>()
    private let replicasCell = Once<[LocalPostgres]>()
    private let usersCell = Once<LocalPostgres>()
    private let shardsCell = Once<[LocalPostgres]>()
    private let throwawayCount = Mutex(0)

    private init() {}

    /// The base directory of the shared servers.
    package func topology() throws -> LocalTopology {
        try topologyCell.get {
            // An interrupted test run (Ctrl-C) skips atexit; clean up on the signal instead.
            LocalRegistry.shared.installSignalHandlers()
            var logger = Logger(label: "switchyard.test-cluster")
            logger.logLevel = .warning
            return try LocalTopology(logger: logger)
        }
    }

    /// The primary of cluster `main`.
    package func primary() throws -> LocalPostgres {
        try primaryCell.get {
            try startPrimary(name: "main-primary")
        }
    }

    /// The two streaming replicas of `primary()`, caught up with it when returned the first time.
    package func replicas() throws -> [LocalPostgres] {
        try replicasCell.get {
            let primary = try primary()
            let topology = try topology()
            return try (1...2).map { index in
                let replica = try topology.startReplica(of: primary, name: "main-replica\(index)")
                try replica.waitUntilCaughtUp(with: primary)
                return replica
            }
        }
    }

    /// Cluster `main`: the primary and both replicas.
    package func main() throws -> LocalCluster {
        LocalCluster(name: "main", primary: try primary(), replicas: try replicas())
    }

    /// The single server of cluster `users`.
    package func usersServer() throws -> LocalPostgres {
        try usersCell.get { try startPrimary(name: "users") }
    }

    /// The two shard servers, `shard0` and `shard1`.
    package func shards() throws -> [LocalPostgres] {
        try shardsCell.get { try (0..<2).map { try startPrimary(name: "shard\($0)") } }
    }

    /// A new replica of the shared primary that a test may promote, stop or break. The caller
    /// should `remove()` it in a `defer`; it is stopped at exit otherwise.
    package func makeThrowawayReplica(options: ReplicaOptions = ReplicaOptions()) throws -> LocalPostgres {
        let primary = try primary()
        let index = throwawayCount.withLock { count in
            count += 1
            return count
        }
        let replica = try primary.makeReplica(
            name: "throwaway-replica\(index)", in: try topology().baseDirectory, options: options)
        return replica
    }

    /// A new cluster of its own (primary with the test roles, and `replicas` replicas) for a test
    /// that stops, promotes or reconfigures servers. The caller should `stop()` the returned
    /// topology in a `defer`.
    ///
    /// - Parameter replicaOptions: options of replica `i` (an apply delay, say), when given.
    package func startThrowawayCluster(
        replicas: Int,
        replicaOptions: [ReplicaOptions] = []
    ) throws -> (topology: LocalTopology, cluster: LocalCluster) {
        var logger = Logger(label: "switchyard.test-cluster")
        logger.logLevel = .warning
        let topology = try LocalTopology(logger: logger)
        do {
            let primary = try topology.startServer(name: "primary", options: Self.serverOptions)
            try TestUser.install(on: primary)
            let replicaServers = try (0..<replicas).map { index in
                try topology.startReplica(
                    of: primary, name: "replica\(index + 1)",
                    options: index < replicaOptions.count ? replicaOptions[index] : ReplicaOptions())
            }
            return (topology, LocalCluster(name: "throwaway", primary: primary, replicas: replicaServers))
        } catch {
            topology.stop()
            throw error
        }
    }

    /// A new single server of its own (with the test roles and database `app`), its settings the
    /// shared servers' ones changed by `configure` (`max_prepared_transactions = 0`, say). The
    /// caller should `stop()` the returned topology in a `defer`.
    package func startThrowawayServer(
        name: String = "server",
        configure: (inout LocalPostgresOptions) -> Void = { _ in }
    ) throws -> (topology: LocalTopology, server: LocalPostgres) {
        var logger = Logger(label: "switchyard.test-cluster")
        logger.logLevel = .warning
        let topology = try LocalTopology(logger: logger)
        do {
            var options = Self.serverOptions
            configure(&options)
            let server = try topology.startServer(name: name, options: options)
            try TestUser.install(on: server)
            return (topology, server)
        } catch {
            topology.stop()
            throw error
        }
    }

    private func startPrimary(name: String) throws -> LocalPostgres {
        let server = try topology().startServer(name: name, options: Self.serverOptions)
        try TestUser.install(on: server)
        return server
    }
}

/// A value computed once, on first request, by whichever thread asks first; the others wait.
/// A failure is kept and rethrown, as a second attempt would most likely fail the same way.
private final class Once<Value: Sendable>: Sendable {
    private let state = Mutex<Result<Value, any Error>?>(nil)

    func get(_ make: () throws -> Value) throws -> Value {
        try state.withLock { state in
            if let state { return try state.get() }
            let result = Result { try make() }
            state = result
            return try result.get()
        }
    }
}
