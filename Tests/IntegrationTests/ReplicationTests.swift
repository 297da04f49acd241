// ReplicationTests: streaming replicas made by SwitchyardLocal replay the primary, promote, and follow.
import Foundation
import SwitchyardTesting
import SwitchyardWire
import Testing

@Suite("Local servers: streaming replication", .serialized)
struct ReplicationTests {
    @Test("a row written on the primary becomes visible on both replicas")
    func rowReachesReplicas() throws {
        let main = try TestCluster.shared.main()
        let marker = UUID().uuidString
        let writer = try PGConnection(
            main.primary.connectionString(user: "app", password: "app", database: TestUser.database))
        defer { writer.close() }
        _ = try writer.exec("CREATE TABLE IF NOT EXISTS replication_probe (marker text PRIMARY KEY)")
        _ = try writer.execParams("INSERT INTO replication_probe VALUES ($1)", params: [marker])
        #expect(main.replicas.count == 2)
        for replica in main.replicas {
            let reader = try PGConnection(
                replica.connectionString(user: "app", password: "app", database: TestUser.database))
            defer { reader.close() }
            let arrived = try waitUntil(timeout: 10) {
                try reader.execParams("SELECT count(*) FROM replication_probe WHERE marker = $1", params: [marker])
                    .scalar == "1"
            }
            #expect(arrived, "row did not reach \(replica)")
        }
    }

    @Test("replicas are in recovery and the primary is not")
    func recoveryState() throws {
        let main = try TestCluster.shared.main()
        #expect(try main.primary.isInRecovery() == false)
        for replica in main.replicas {
            #expect(try replica.isInRecovery())
            // A replica refuses writes as PostgreSQL does in hot standby: 25006 read_only_sql_transaction.
            let connection = try PGConnection(replica.connectionString(database: TestUser.database))
            defer { connection.close() }
            let error = try #require(throws: PGError.self) { try connection.exec("CREATE TABLE nope (x int)") }
            #expect(error.sqlState?.code == "25006")
        }
        // The primary sees both as streaming WAL senders, named after the replicas.
        let senders = try main.primary.query(
            "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming' ORDER BY 1")
        #expect(senders.split(separator: "\n").map(String.init) == main.replicas.map(\.name).sorted())
    }

    @Test("a throwaway replica with a slot streams, and leaves recovery when promoted")
    func promoteThrowawayReplica() throws {
        let primary = try TestCluster.shared.primary()
        let slot = "throwaway_slot_\(UInt32.random(in: 0...UInt32.max))"
        let replica = try TestCluster.shared.makeThrowawayReplica(options: ReplicaOptions(slotName: slot))
        defer {
            replica.remove()
            _ = try? primary.query("SELECT pg_drop_replication_slot(\(SQLQuoting.literal(slot)))")
        }
        #expect(try replica.isInRecovery())
        let slotActive = try waitUntil {
            try primary.query("SELECT active FROM pg_replication_slots WHERE slot_name = \(SQLQuoting.literal(slot))")
                == "t"
        }
        #expect(slotActive)

        try replica.promote()
        #expect(try replica.isInRecovery() == false)
        // Promoted, it accepts writes; the shared primary is untouched and still a primary.
        try replica.query("CREATE TABLE promoted_only (x int)", database: TestUser.database)
        #expect(try primary.isInRecovery() == false)
        #expect(try primary.query("SELECT to_regclass('promoted_only') IS NULL", database: TestUser.database) == "t")
    }

    @Test("a replica with an apply delay receives a commit at once but replays it later")
    func applyDelay() throws {
        let primary = try TestCluster.shared.primary()
        let replica = try TestCluster.shared.makeThrowawayReplica(
            options: ReplicaOptions(applyDelayMilliseconds: 1500))
        defer { replica.remove() }
        try replica.waitUntilCaughtUp(with: primary)
        let marker = UUID().uuidString
        let beforeCommit = Monotonic.now
        try primary.query(
            "CREATE TABLE IF NOT EXISTS delay_probe (marker text); INSERT INTO delay_probe VALUES ('\(marker)')",
            database: TestUser.database)
        let target = try primary.query("SELECT pg_current_wal_insert_lsn()")
        #expect(
            try waitUntil {
                try replica.query("SELECT pg_last_wal_receive_lsn() >= '\(target)'::pg_lsn") == "t"
            })
        let visible = "SELECT count(*) FROM delay_probe WHERE marker = '\(marker)'"
        if Monotonic.now - beforeCommit < 1 {
            // Received but not replayed; the table's own commit may be delayed too.
            let early = try? replica.query(visible, database: TestUser.database)
            #expect(early == nil || early == "0")
        }
        #expect(try waitUntil(timeout: 15) { (try? replica.query(visible, database: TestUser.database)) == "1" })
        // Replay waits until 1.5 s after the commit's timestamp, which is later than beforeCommit.
        #expect(Monotonic.now - beforeCommit >= 1.45)
    }

    @Test("after the primary crashes, a promoted replica is followed by the other replica")
    func failoverInThrowawayCluster() throws {
        let (topology, cluster) = try TestCluster.shared.startThrowawayCluster(replicas: 2)
        defer { topology.stop() }
        let oldPrimary = cluster.primary
        let newPrimary = cluster.replicas[0]
        let follower = cluster.replicas[1]
        try oldPrimary.query("CREATE TABLE failover_probe (n int)", database: TestUser.database)
        for replica in cluster.replicas { try replica.waitUntilCaughtUp(with: oldPrimary) }

        let crashedPID = try #require(oldPrimary.postmasterPID)
        try oldPrimary.kill()
        #expect(!oldPrimary.isRunning)
        #expect(!ChildProcess.isAlive(crashedPID))

        try newPrimary.promote()
        try follower.follow(newPrimary)
        try newPrimary.query("INSERT INTO failover_probe VALUES (42)", database: TestUser.database)
        let followed = try waitUntil(timeout: 20) {
            try follower.query("SELECT count(*) FROM failover_probe WHERE n = 42", database: TestUser.database) == "1"
        }
        #expect(followed)
        #expect(try follower.isInRecovery())

        // The crashed server starts again after crash recovery (as a primary of its own timeline).
        try oldPrimary.start()
        #expect(try oldPrimary.isInRecovery() == false)
        #expect(try oldPrimary.query("SELECT count(*) FROM failover_probe", database: TestUser.database) == "0")
    }
}
