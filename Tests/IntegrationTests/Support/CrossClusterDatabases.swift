// CrossClusterDatabases: the databases one test owns on the shared servers — cluster `main` (the
// primary and a replica), cluster `users` (its own database and login), two shards — with direct
// connections to check where rows physically are.
import Foundation
import SwitchyardTesting

/// A test's own databases: `<name>` on the main primary (replicated to its first replica),
/// `<name>_users` on the users server owned by the role `usersOwner`, `<name>_s0`/`<name>_s1` on
/// the shard servers. Nothing of another test is visible in them.
struct CrossClusterDatabases {
    /// The login cluster `users` uses on its server (not the client's own).
    static let usersOwner = (name: "sy_users_owner", password: "sy_users_owner_pw")

    /// A database on one server.
    struct Place: CustomStringConvertible {
        let cluster: String
        let server: LocalPostgres
        let database: String

        var description: String { "\(cluster) (\(server.name), database \(database))" }

        /// Connects straight to the server as its superuser.
        func connect() throws -> PGConnection {
            try PGConnection(server.connectionString(database: database))
        }

        /// Runs `sql` (one or more statements) as the superuser and returns psql's `-At` output.
        @discardableResult
        func query(_ sql: String) throws -> String {
            try server.query(sql, database: database)
        }

        /// Makes the server log every statement run in this database by sessions that start
        /// from now on (`log_statement = 'all'`), for `loggedStatements`.
        func logStatements() throws {
            try server.query("ALTER DATABASE \(SQLQuoting.identifier(database)) SET log_statement = 'all'")
        }

        /// The statements the server logged for this database (see `logStatements`), each as
        /// `user: text` (first line only).
        func loggedStatements() -> [String] {
            let log = (try? String(contentsOfFile: server.logFile, encoding: .utf8)) ?? ""
            let marker = "@\(database) LOG:  statement: "
            return log.split(separator: "\n").compactMap { line in
                guard let range = line.range(of: marker) else { return nil }
                let user = line[..<range.lowerBound].split(separator: " ").last ?? ""
                return "\(user): \(line[range.upperBound...])"
            }
        }

        /// The rows of `sql`, through libpq (text values).
        func rows(_ sql: String) throws -> [[String?]] {
            let connection = try connect()
            defer { connection.close() }
            return try connection.exec(sql).rows
        }
    }

    let name: String
    let main: Place
    let replica: LocalPostgres
    let users: Place
    let shards: [Place]

    /// Creates the databases (shards only when `withShards`) and waits for the replica to have them.
    static func create(withShards: Bool) throws -> CrossClusterDatabases {
        let cluster = TestCluster.shared
        let primary = try cluster.primary()
        let replica = try cluster.replicas()[0]
        let usersServer = try cluster.usersServer()
        let shardServers = withShards ? try cluster.shards() : []
        let name = "xc_\(UInt32.random(in: 0...UInt32.max))"
        try ensureUsersOwner(on: usersServer)
        var created: [Place] = []
        do {
            let main = Place(cluster: "main", server: primary, database: name)
            try primary.createDatabase(name: name, owner: TestUser.app.name)
            created.append(main)
            let users = Place(cluster: "users", server: usersServer, database: name + "_users")
            try usersServer.createDatabase(name: users.database, owner: usersOwner.name)
            created.append(users)
            var shards: [Place] = []
            for (index, server) in shardServers.enumerated() {
                let shard = Place(cluster: "shard\(index)", server: server, database: "\(name)_s\(index)")
                try server.createDatabase(name: shard.database, owner: TestUser.app.name)
                created.append(shard)
                shards.append(shard)
            }
            let databases = CrossClusterDatabases(name: name, main: main, replica: replica, users: users, shards: shards)
            try databases.waitForReplica()
            return databases
        } catch {
            for place in created { try? dropDatabase(place) }
            throw error
        }
    }

    /// Runs `body` with new databases, dropped afterwards whatever happens.
    static func with(withShards: Bool = false, _ body: (CrossClusterDatabases) throws -> Void) throws {
        let databases = try create(withShards: withShards)
        defer { databases.drop() }
        try body(databases)
    }

    /// Every place: main, users, then the shards.
    var places: [Place] { [main, users] + shards }

    /// Drops every database (rolling back prepared transactions left in them first, as they
    /// would block the drop).
    func drop() {
        for place in places { try? Self.dropDatabase(place) }
    }

    private static func dropDatabase(_ place: Place) throws {
        let leftovers = try place.server.query(
            "SELECT gid FROM pg_prepared_xacts WHERE database = \(SQLQuoting.literal(place.database))")
        for gid in leftovers.split(separator: "\n") where !gid.isEmpty {
            try? place.query("ROLLBACK PREPARED \(SQLQuoting.literal(String(gid)))")
        }
        try place.server.query("DROP DATABASE IF EXISTS \(SQLQuoting.identifier(place.database)) WITH (FORCE);")
    }

    private static func ensureUsersOwner(on server: LocalPostgres) throws {
        let name = usersOwner.name
        guard try server.query("SELECT count(*) FROM pg_roles WHERE rolname = \(SQLQuoting.literal(name))") == "0"
        else { return }
        try server.createRole(name: name, password: usersOwner.password)
    }

    /// Waits until the replica has replayed everything the main primary flushed so far.
    func waitForReplica(timeout: Double = 30) throws {
        try main.server.query("SET synchronous_commit = on; SELECT txid_current();")
        let target = try main.server.query("SELECT pg_current_wal_flush_lsn()")
        let replayed = try waitUntil(timeout: timeout) {
            try replica.query("SELECT coalesce(pg_last_wal_replay_lsn() >= '\(target)'::pg_lsn, false)") == "t"
        }
        guard replayed else { throw LocalError.timedOut(what: "\(replica.name) replaying to \(target)", seconds: timeout) }
    }

    // MARK: - Configurations

    /// Cluster `main` (primary and replica, clients' own logins), cluster `users` (its own
    /// database and login) and, with shards, `shard0`/`shard1`; database `app` defaults to `main`.
    func configuration(
        routes: [MultiClusterConfiguration.Route] = [],
        shardGroups: [MultiClusterConfiguration.ShardGroup] = [],
        databaseSettings: [String: String] = [:],
        proxySettings: [String: String] = [:]
    ) -> MultiClusterConfiguration {
        var clusters = [
            MultiClusterConfiguration.Cluster(
                name: "main", database: main.database,
                servers: [.primary(main.server), .replica(replica)]),
            MultiClusterConfiguration.Cluster(
                name: "users", database: users.database, user: Self.usersOwner.name,
                password: Self.usersOwner.password, servers: [.primary(users.server)]),
        ]
        for shard in shards {
            clusters.append(.init(name: shard.cluster, database: shard.database, servers: [.primary(shard.server)]))
        }
        return MultiClusterConfiguration(
            clusters: clusters, routes: routes, shards: shardGroups, proxySettings: proxySettings,
            databaseSettings: databaseSettings)
    }

    // MARK: - Checks

    /// The prepared transactions on every server of these databases (all databases of the
    /// server, not only ours): `server: gid (database)`.
    func preparedTransactions() throws -> [String] {
        var seen: Set<String> = []
        var found: [String] = []
        for place in places where seen.insert(place.server.name).inserted {
            let rows = try place.server.query("SELECT gid || ' (' || database || ')' FROM pg_prepared_xacts ORDER BY gid")
            found += rows.split(separator: "\n").map { "\(place.server.name): \($0)" }
        }
        return found
    }
}
