// PreparedTransactionRecovery: resolves prepared transactions a crashed coordinator (or a server
// that went away) left in doubt, by the rule in SPEC §3: the first participant decides.
import Logging
import SwitchyardHealth
import SwitchyardIO
import SwitchyardSession

/// Finds the proxy's prepared transactions (`sy:` names) on a server and commits or rolls back
/// each: committed when the first participant's transaction committed (`pg_xact_status`), rolled
/// back otherwise — the client was never told of success unless the first participant committed.
///
/// A transaction whose first participant has not decided yet (its transaction is still in
/// progress, that is prepared or not yet prepared) may belong to a coordinator that is alive and
/// about to commit it: this proxy's own, or another instance's in front of the same servers.
/// Rolling back a part of it then would split it, so such a transaction is rolled back only once
/// it is older than a coordinator could take; the server is looked at again when it is. The
/// exception is an earlier run of this same proxy (same host and listen address): once this
/// process holds the identity, that run has ended, and its undecided transactions are rolled back
/// at once, so that their locks are not held for the grace period after a crash and restart.
/// Runs on the prober's loop.
final class PreparedTransactionRecovery {
    private let loop: EventLoop
    private let shared: DaemonShared
    /// Undecided prepared transactions are left to their coordinator until they are this old.
    private static let graceSeconds = 60
    private static let timeoutNs: UInt64 = 10_000_000_000
    /// Servers being recovered now, so a pass is not started twice.
    private var running: Set<String> = []
    /// Servers to look at again (by name) once their young undecided transactions are old enough.
    private var revisits: [String: (cluster: String, server: Int, due: UInt64)] = [:]

    init(loop: EventLoop, shared: DaemonShared) {
        self.loop = loop
        self.shared = shared
    }

    private var logger: Logger { self.shared.logger }

    /// Resolves what `server` of `cluster` holds.
    func recover(cluster: String, server index: Int, config: RuntimeConfig) {
        guard let entry = config.clusters[cluster], index < entry.servers.count else { return }
        let server = entry.servers[index]
        guard !self.running.contains(server.name) else { return }
        self.running.insert(server.name)
        let lister = self.connection(to: server, database: entry.database, credentials: self.healthCredentials(entry, config), config: config)
        let sql = """
            SELECT gid, owner, database, \
            pg_catalog.floor(extract(epoch FROM pg_catalog.now() - prepared))::int \
            FROM pg_catalog.pg_prepared_xacts WHERE gid LIKE 'sy:%'
            """
        lister.run(sql, timeoutNs: Self.timeoutNs) { [unowned self] result in
            lister.close()
            defer { self.running.remove(server.name) }
            guard case .success(let rows) = result else { return }
            for row in rows {
                let texts = row.map { $0.map { String(decoding: $0, as: UTF8.self) } }
                guard texts.count == 4, let gid = texts[0], let owner = texts[1], let database = texts[2],
                    let age = texts[3].flatMap({ Int($0) }), let name = TwoPhaseNames.parse(gid)
                else { continue }
                if name.instance == self.shared.instanceID && age < Self.graceSeconds {
                    // This proxy's own coordinator is finishing it.
                    self.revisit(cluster: cluster, server: index, name: server.name, age: age)
                    continue
                }
                let orphaned = self.shared.ownsIdentity && name.instance != self.shared.instanceID
                    && name.instance.hasPrefix("\(self.shared.identity).")
                self.resolve(
                    gid: gid, name: name, owner: owner, database: database, age: age, orphaned: orphaned,
                    on: (cluster, index, server), config: config)
            }
        }
    }

    /// Runs the passes that fell due (called from the prober's periodic tick).
    func tick(config: RuntimeConfig) {
        let now = self.loop.now
        for (name, revisit) in self.revisits where revisit.due <= now && !self.running.contains(name) {
            self.revisits[name] = nil
            self.recover(cluster: revisit.cluster, server: revisit.server, config: config)
        }
    }

    /// Looks at `server` again when a transaction now `age` seconds old is past the grace period.
    private func revisit(cluster: String, server index: Int, name: String, age: Int) {
        let due = self.loop.now &+ UInt64(max(1, Self.graceSeconds - age + 1)) * 1_000_000_000
        if let existing = self.revisits[name], existing.due <= due { return }
        self.revisits[name] = (cluster, index, due)
    }

    private func resolve(
        gid: String,
        name: (instance: String, transactionID: String, firstCluster: String, participant: Int),
        owner: String,
        database: String,
        age: Int,
        orphaned: Bool,
        on place: (cluster: String, index: Int, entry: ServerEntry),
        config: RuntimeConfig
    ) {
        let server = place.entry
        guard let first = config.clusters[name.firstCluster],
            let primary = self.shared.prober?.currentViews[name.firstCluster]?.primary ?? first.servers.firstIndex(where: { $0.role == .primary })
        else {
            self.logger.warning("prepared transaction left unresolved: its first cluster is unknown", metadata: ["gid": "\(gid)"])
            return
        }
        let asker = self.connection(
            to: first.servers[primary], database: first.database, credentials: self.healthCredentials(first, config), config: config)
        asker.run("SELECT pg_catalog.pg_xact_status('\(name.transactionID)'::pg_catalog.xid8)", timeoutNs: Self.timeoutNs) {
            [unowned self] result in
            asker.close()
            guard case .success(let rows) = result else {
                self.logger.warning("prepared transaction left unresolved: its first participant cannot be asked", metadata: ["gid": "\(gid)"])
                self.revisit(cluster: place.cluster, server: place.index, name: server.name, age: 0)
                return
            }
            let status = rows.firstText
            let commit = status == "committed"
            if !commit, status != "aborted", age < Self.graceSeconds, !orphaned {
                // Undecided: its coordinator may be committing it right now (unless it was an
                // earlier run of this proxy, which has ended).
                self.logger.info(
                    "prepared transaction left to its coordinator for now",
                    metadata: ["gid": "\(gid)", "server": "\(server.name)", "age.s": "\(age)"]
                )
                self.revisit(cluster: place.cluster, server: place.index, name: server.name, age: age)
                return
            }
            guard let credentials = self.ownerCredentials(owner, config: config) else {
                self.logger.error("prepared transaction left unresolved: no credentials for its owner", metadata: ["gid": "\(gid)", "user": "\(owner)"])
                return
            }
            let resolver = self.connection(to: server, database: database, credentials: credentials, config: config)
            let statement = commit ? "COMMIT PREPARED" : "ROLLBACK PREPARED"
            resolver.run("\(statement) \(SessionSettings.quoteLiteral(gid))", timeoutNs: Self.timeoutNs) { [unowned self] result in
                resolver.close()
                switch result {
                case .success:
                    self.logger.warning(
                        "resolved a prepared transaction left in doubt",
                        metadata: ["gid": "\(gid)", "server": "\(server.name)", "outcome": "\(commit ? "committed" : "rolled back")"]
                    )
                case .failure(let failure):
                    self.logger.error("could not resolve a prepared transaction", metadata: ["gid": "\(gid)", "error": "\(failure.message)"])
                }
            }
        }
    }

    private func connection(
        to server: ServerEntry, database: String, credentials: ServerLoginCredentials, config: RuntimeConfig
    ) -> ControlConnection {
        ControlConnection(
            address: server.address,
            serverName: server.name,
            serverHost: server.host,
            tls: config.serverTLS,
            database: database,
            credentials: credentials,
            applicationName: "switchyard recovery",
            loop: self.loop
        )
    }

    private func healthCredentials(_ cluster: ClusterEntry, _ config: RuntimeConfig) -> ServerLoginCredentials {
        ServerLoginCredentials(
            user: cluster.user ?? config.healthUser ?? "",
            secret: (cluster.user != nil ? cluster.password : config.healthPassword).map { .plaintext($0) }
        )
    }

    /// COMMIT/ROLLBACK PREPARED must come from the transaction's owner (or a superuser): its
    /// cluster login, or the configured user of that name.
    private func ownerCredentials(_ owner: String, config: RuntimeConfig) -> ServerLoginCredentials? {
        if let cluster = config.clusters.values.first(where: { $0.user == owner }) {
            return ServerLoginCredentials(user: owner, secret: cluster.password.map { .plaintext($0) })
        }
        if let user = config.users[owner] { return ServerLoginCredentials(user: owner, secret: user.secret) }
        if config.healthUser == owner { return ServerLoginCredentials(user: owner, secret: config.healthPassword.map { .plaintext($0) }) }
        return nil
    }
}
