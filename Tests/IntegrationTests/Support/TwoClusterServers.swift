// TwoClusterServers: two throwaway servers — cluster `main` and cluster `users` — for tests that
// crash the proxy mid-commit, stop a server, or slow its commits down.
import Foundation
import SwitchyardTesting

/// Cluster `main` (database `app`, the clients' own logins) and cluster `users` (database
/// `users`, owned by and reached as `CrossClusterDatabases.usersOwner`), each on a server of its
/// own that the test may stop, restart or reconfigure.
struct TwoClusterServers {
    let topologies: [LocalTopology]
    let main: CrossClusterDatabases.Place
    let users: CrossClusterDatabases.Place

    /// Starts both servers with `settings` added to the test servers' ones.
    static func start(settings: [String: String] = [:]) throws -> TwoClusterServers {
        var topologies: [LocalTopology] = []
        do {
            let configure: (inout LocalPostgresOptions) -> Void = { $0.extraSettings.merge(settings) { $1 } }
            let (mainTopology, mainServer) = try TestCluster.shared.startThrowawayServer(name: "main", configure: configure)
            topologies.append(mainTopology)
            let (usersTopology, usersServer) = try TestCluster.shared.startThrowawayServer(name: "users", configure: configure)
            topologies.append(usersTopology)
            let owner = CrossClusterDatabases.usersOwner
            try usersServer.createRole(name: owner.name, password: owner.password)
            try usersServer.createDatabase(name: "users", owner: owner.name)
            return TwoClusterServers(
                topologies: topologies,
                main: .init(cluster: "main", server: mainServer, database: TestUser.database),
                users: .init(cluster: "users", server: usersServer, database: "users"))
        } catch {
            for topology in topologies { topology.stop() }
            throw error
        }
    }

    /// Runs `body` with new servers, stopped afterwards whatever happens.
    static func with(settings: [String: String] = [:], _ body: (TwoClusterServers) throws -> Void) throws {
        let servers = try start(settings: settings)
        defer { servers.stop() }
        try body(servers)
    }

    func stop() {
        for topology in topologies { topology.stop() }
    }

    /// Runs `sql` on main as `app` and on users as the users cluster's login, so that what
    /// it creates belongs to the logins the proxy uses.
    func createTables(main mainSQL: String, users usersSQL: String) throws {
        let owner = CrossClusterDatabases.usersOwner
        let onMain = try connectMain()
        defer { onMain.close() }
        _ = try onMain.execAll(mainSQL)
        let onUsers = try PGConnection(
            users.server.connectionString(user: owner.name, password: owner.password, database: users.database))
        defer { onUsers.close() }
        _ = try onUsers.execAll(usersSQL)
    }

    /// A direct connection to main as `app`.
    func connectMain() throws -> PGConnection {
        try PGConnection(
            main.server.connectionString(user: TestUser.app.name, password: TestUser.app.password, database: main.database))
    }

    /// A direct connection to users as the users cluster's login.
    func connectUsers() throws -> PGConnection {
        let owner = CrossClusterDatabases.usersOwner
        return try PGConnection(users.server.connectionString(user: owner.name, password: owner.password, database: users.database))
    }

    /// A proxy configuration: both clusters, `auth_*` routed to users, quick health checks.
    func configuration(databaseSettings: [String: String] = [:]) -> MultiClusterConfiguration {
        MultiClusterConfiguration(
            clusters: [
                .init(name: "main", database: main.database, servers: [.primary(main.server)]),
                .init(
                    name: "users", database: users.database, user: CrossClusterDatabases.usersOwner.name,
                    password: CrossClusterDatabases.usersOwner.password, servers: [.primary(users.server)]),
            ],
            routes: [.init(tables: ["auth_*"], cluster: "users")],
            healthSettings: ["interval_ms": "200"],
            databaseSettings: databaseSettings)
    }

    /// The names of the prepared transactions on `place`'s server.
    static func preparedNames(_ place: CrossClusterDatabases.Place) throws -> [String] {
        try place.server.query("SELECT gid FROM pg_prepared_xacts ORDER BY gid").split(separator: "\n").map(String.init)
    }

    /// The prepared transactions on both servers whose names are the proxy's (`sy:`).
    func proxyPrepared() throws -> [String] {
        try (Self.preparedNames(main) + Self.preparedNames(users)).filter { $0.hasPrefix("sy:") }
    }

    /// Waits (up to `timeout` seconds) until neither server holds a prepared transaction of the
    /// proxy's; returns how long that took, or `nil` on timeout.
    func waitUntilNoProxyPrepared(timeout: Double) throws -> Double? {
        let start = Monotonic.now
        let done = try waitUntil(timeout: timeout, interval: 0.1) { try proxyPrepared().isEmpty }
        return done ? Monotonic.now - start : nil
    }

    /// Client backends in the test databases other than health checks, recovery and the
    /// calling session: those of the (dead) proxy the servers have not noticed gone yet.
    func lingeringBackends() throws -> Int {
        var total = 0
        for place in [main, users] {
            total += Int(
                try place.query(
                    """
                    SELECT count(*) FROM pg_stat_activity
                    WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()
                      AND application_name NOT IN \(ProxyFixture.controlApplicationNames)
                    """)) ?? 0
        }
        return total
    }
}
