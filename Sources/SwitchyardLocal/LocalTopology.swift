// LocalTopology: a set of local servers in one base directory (clusters of primary and replicas,
// single servers), stopped and cleaned up together.
import Foundation
import Logging
import Synchronization

/// A replication group: one primary and its streaming replicas.
package struct LocalCluster: Sendable {
    package let name: String
    package let primary: LocalPostgres
    package let replicas: [LocalPostgres]

    package init(name: String, primary: LocalPostgres, replicas: [LocalPostgres]) {
        self.name = name
        self.primary = primary
        self.replicas = replicas
    }

    /// The primary first, then the replicas.
    package var servers: [LocalPostgres] { [primary] + replicas }
}

/// Servers that live under one base directory and share a lifetime.
///
/// A temporary base directory (`/tmp/switchyard-XXXXXX`) is deleted by `stop()`; one the caller
/// chose is left in place, servers and all, stopped. Making a temporary one first cleans up after
/// earlier processes that died without doing so (`LocalRegistry.reapOrphans`).
package final class LocalTopology: Sendable {
    package let baseDirectory: String
    /// Whether `baseDirectory` was made by us and is deleted on `stop()`.
    package let isTemporary: Bool
    package let binaries: PostgresBinaries
    package let account: ServerAccount
    let logger: Logger
    private let started = Mutex<[LocalPostgres]>([])

    /// A topology in `directory`, or in a new temporary directory when `nil`.
    package init(directory: String? = nil, logger: Logger = Logger(label: "switchyard.local")) throws {
        self.binaries = try PostgresBinaries.locate()
        self.account = try ServerAccount.current()
        self.logger = logger
        if let directory {
            self.baseDirectory = try BaseDirectory.prepare(directory, account: account)
            self.isTemporary = false
        } else {
            // Servers of an earlier process that crashed would otherwise run forever.
            LocalRegistry.shared.reapOrphans()
            self.baseDirectory = try BaseDirectory.makeTemporary(account: account)
            self.isTemporary = true
        }
    }

    /// Every server started through this topology, in start order.
    package var servers: [LocalPostgres] { started.withLock { $0 } }

    /// Creates and starts a single server `name`.
    package func startServer(
        name: String,
        options: LocalPostgresOptions = LocalPostgresOptions()
    ) throws -> LocalPostgres {
        let server = try LocalPostgres.create(
            name: name, in: baseDirectory, options: options, binaries: binaries, account: account, logger: logger)
        started.withLock { $0.append(server) }
        try server.start()
        return server
    }

    /// Starts a replica of `primary` named `name` in this topology's directory.
    package func startReplica(
        of primary: LocalPostgres,
        name: String,
        options: ReplicaOptions = ReplicaOptions()
    ) throws -> LocalPostgres {
        let replica = try primary.makeReplica(name: name, in: baseDirectory, options: options)
        started.withLock { $0.append(replica) }
        return replica
    }

    /// Starts cluster `name`: a primary named `name-primary` and replicas `name-replica1`, ...
    package func startCluster(
        name: String,
        replicas replicaCount: Int,
        options: LocalPostgresOptions = LocalPostgresOptions(),
        replicaOptions: ReplicaOptions = ReplicaOptions()
    ) throws -> LocalCluster {
        let primary = try startServer(name: "\(name)-primary", options: options)
        let replicas = try (0..<replicaCount).map { index in
            try startReplica(of: primary, name: "\(name)-replica\(index + 1)", options: replicaOptions)
        }
        return LocalCluster(name: name, primary: primary, replicas: replicas)
    }

    /// Stops every server (fast, falling back to immediate and then SIGKILL) and deletes the base
    /// directory when it is temporary. Safe to call more than once.
    package func stop() {
        let servers = started.withLock { servers in
            defer { servers.removeAll() }
            return servers
        }
        // Replicas first, so that they do not log a lost primary.
        for server in servers.reversed() {
            do {
                try server.stop(mode: .fast, timeout: 20)
            } catch {
                logger.warning("fast stop failed, stopping immediately", metadata: ["server": "\(server.name)"])
                try? server.stop(mode: .immediate, timeout: 20)
                if server.isRunning { try? server.kill() }
            }
        }
        if isTemporary {
            try? FileManager.default.removeItem(atPath: baseDirectory)
            LocalRegistry.shared.temporaryDirectoryRemoved(baseDirectory)
        }
    }
}
