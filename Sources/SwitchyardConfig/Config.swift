// Config: a whole validated configuration file, as typed values the rest of the program reads.

/// A validated configuration, built by `Config.load(contents:path:)`.
///
/// Cluster and database names keep the order they are declared in, for stable output in
/// `check`, stats and the admin console.
package struct Config: Equatable, Sendable {
    /// The file it was loaded from, as given to `load`.
    package var path: String
    /// `[proxy]`.
    package var proxy: ProxySettings
    /// `[health]`.
    package var health: HealthSettings
    /// `[[users]]`, in file order; names are unique.
    package var users: [UserConfig]
    /// `[clusters.NAME]` by name.
    package var clusters: [String: ClusterConfig]
    /// Cluster names in declaration order.
    package var clusterOrder: [String]
    /// `[databases.NAME]` by name.
    package var databases: [String: DatabaseConfig]
    /// Database names in declaration order.
    package var databaseOrder: [String]

    /// Clusters in declaration order.
    package var orderedClusters: [ClusterConfig] {
        self.clusterOrder.compactMap { self.clusters[$0] }
    }

    /// Databases in declaration order.
    package var orderedDatabases: [DatabaseConfig] {
        self.databaseOrder.compactMap { self.databases[$0] }
    }

    /// The `[[users]]` entry named `name`.
    package func user(named name: String) -> UserConfig? {
        self.users.first { $0.name == name }
    }

    /// The database name clients use for the admin console; no `[databases.NAME]` may take it.
    package static let adminConsoleDatabase = "switchyard"
}
