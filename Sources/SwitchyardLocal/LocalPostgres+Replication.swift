// LocalPostgres+Replication: streaming replicas made with pg_basebackup, promotion, re-pointing, catch-up.
import Foundation
import Glibc

/// How to make a streaming replica.
package struct ReplicaOptions: Sendable {
    /// The TCP port; `nil` picks a free one.
    package var port: Int?
    /// `recovery_min_apply_delay` in milliseconds: a replica that lags on purpose.
    package var applyDelayMilliseconds: Int?
    /// A physical replication slot on the primary to stream from (created by `pg_basebackup -C`).
    package var slotName: String?
    /// Whether to start the replica once its data directory is ready.
    package var start = true

    package init(port: Int? = nil, applyDelayMilliseconds: Int? = nil, slotName: String? = nil, start: Bool = true) {
        self.port = port
        self.applyDelayMilliseconds = applyDelayMilliseconds
        self.slotName = slotName
        self.start = start
    }
}

extension LocalPostgres {
    /// Makes a streaming replica of this running server in `baseDirectory/name` (default: beside
    /// this server) with `pg_basebackup -X stream`, and starts it.
    ///
    /// `standby.signal` and `primary_conninfo` are written by us rather than by `pg_basebackup -R`:
    /// `-R` puts them in `postgresql.auto.conf`, which would override `follow(_:)`'s rewrite of our
    /// own settings file.
    package func makeReplica(
        name replicaName: String,
        in baseDirectory: String? = nil,
        options replicaOptions: ReplicaOptions = ReplicaOptions()
    ) throws -> LocalPostgres {
        guard isRunning else { throw LocalError.notRunning(name: name) }
        let base = baseDirectory ?? (directory as NSString).deletingLastPathComponent
        let replicaDirectory = try Self.makeServerDirectory(name: replicaName, in: base, account: account)
        let conninfo = connectionString(extra: ["application_name": replicaName])
        var arguments = ["-D", replicaDirectory + "/data", "-d", conninfo, "-X", "stream", "--checkpoint=fast"]
        if let slot = replicaOptions.slotName { arguments += ["-C", "-S", slot] }
        if options.fast { arguments.append("--no-sync") }
        try account.command(binaries.pgBasebackup, arguments).check(timeout: 300)

        var settings = ["primary_conninfo": LocalPostgresOptions.quoted(conninfo)]
        if let slot = replicaOptions.slotName { settings["primary_slot_name"] = LocalPostgresOptions.quoted(slot) }
        if let delay = replicaOptions.applyDelayMilliseconds {
            settings["recovery_min_apply_delay"] = LocalPostgresOptions.quoted("\(delay)ms")
        }
        var replicaServerOptions = options
        replicaServerOptions.port = replicaOptions.port
        replicaServerOptions.hostRules = currentHostRules
        let replica = LocalPostgres(
            name: replicaName, directory: replicaDirectory, port: try replicaOptions.port ?? FreePort.next(),
            binaries: binaries, account: account, options: replicaServerOptions, replicaSettings: settings,
            logger: logger)
        try account.writeFile(replica.dataDirectory + "/standby.signal", "")
        try replica.writeConfiguration()
        if replicaOptions.start { try replica.start() }
        return replica
    }

    /// Ends recovery on a replica (`pg_ctl promote -w`); it becomes a primary on a new timeline.
    /// Returns once the server accepts writes.
    package func promote(timeout: Double = 60) throws {
        guard isRunning else { throw LocalError.notRunning(name: name) }
        try pgCtl(["promote", "-w", "-t", "\(Int(timeout))", "-D", dataDirectory]).check(timeout: timeout + 15)
        // pg_ctl returns when the control file says "in production", a moment before the server
        // leaves recovery and accepts writes.
        let deadline = Monotonic.now + timeout
        while try isInRecovery() {
            guard Monotonic.now < deadline else { throw LocalError.timedOut(what: "promote \(name)", seconds: timeout) }
            usleep(10_000)
        }
    }

    /// Points a replica at another primary (after a promotion) and reloads it. The replica follows
    /// the new timeline when it has not replayed past the promotion point.
    package func follow(_ primary: LocalPostgres) throws {
        updateReplicaSettings { settings in
            settings["primary_conninfo"] = LocalPostgresOptions.quoted(
                primary.connectionString(extra: ["application_name": name]))
            settings["primary_slot_name"] = nil
        }
        try writeConfiguration()
        if isRunning { try reload() }
    }

    /// Whether the server is a replica still in recovery (`pg_is_in_recovery()`).
    package func isInRecovery() throws -> Bool {
        try query("SELECT pg_is_in_recovery()") == "t"
    }

    /// Waits until this replica has replayed everything `primary` had written when called.
    package func waitUntilCaughtUp(with primary: LocalPostgres, timeout: Double = 30) throws {
        // The insert position, not the write position: with synchronous_commit off a commit can
        // still sit in the primary's WAL buffers.
        let target = try primary.query("SELECT pg_current_wal_insert_lsn()")
        let check = "SELECT coalesce(pg_last_wal_replay_lsn() >= \(SQLQuoting.literal(target))::pg_lsn, false)"
        let deadline = Monotonic.now + timeout
        while try query(check) != "t" {
            guard Monotonic.now < deadline else {
                throw LocalError.timedOut(what: "\(name) replaying up to \(target)", seconds: timeout)
            }
            usleep(20_000)
        }
    }
}
