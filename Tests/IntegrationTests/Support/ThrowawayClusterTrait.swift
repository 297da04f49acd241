// ThrowawayClusterTrait: a replication cluster of its own for every test of a suite, started
// before them and stopped after them.
import SwitchyardTesting
import Testing

/// Where the tests of a suite marked `.throwawayCluster(...)` find their servers.
enum ThrowawayCluster {
    @TaskLocal static var current: LocalCluster?

    /// The suite's cluster; fails when the suite has no `.throwawayCluster` trait.
    static func cluster() throws -> LocalCluster {
        try #require(current, "the suite needs the .throwawayCluster trait")
    }
}

/// Starts `TestCluster.shared.startThrowawayCluster` once for a whole suite and stops it when the
/// suite is done, also when its tests fail.
struct ThrowawayClusterTrait: SuiteTrait, TestScoping {
    var replicaOptions: [ReplicaOptions]

    var isRecursive: Bool { false }

    func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        let (topology, cluster) = try TestCluster.shared.startThrowawayCluster(
            replicas: replicaOptions.count, replicaOptions: replicaOptions)
        defer { topology.stop() }
        try await ThrowawayCluster.$current.withValue(cluster) { try await function() }
    }
}

extension Trait where Self == ThrowawayClusterTrait {
    /// A primary and one replica per element of `replicaOptions`, for every test of the suite.
    static func throwawayCluster(replicaOptions: [ReplicaOptions]) -> Self {
        ThrowawayClusterTrait(replicaOptions: replicaOptions)
    }
}
