// ReadWriteSplitTests: reads in autocommit spread over the replicas as `load_balance` and
// `primary_reads` say, against the shared primary and its two streaming replicas (SPEC §3,
// "Replica choice"). `inet_server_port()` is answered by the server that ran the statement.
import Foundation
import SwitchyardTesting
import SwitchyardWire
import Testing

@Suite("Read/write split: load balancing", .serialized)
struct ReadWriteSplitBalancingTests {
    /// Settings of every proxy here: no read-after-write, so that only balancing decides.
    private static let noReadAfterWrite = ["read_after_write": "\"none\""]

    @Test("round_robin: one client's reads alternate over both replicas, never the primary")
    func roundRobin() throws {
        let split = try SplitProxy.start(
            databaseSettings: Self.noReadAfterWrite.merging(["load_balance": "\"round_robin\""]) { $1 }, poolSize: 2)
        defer { split.stop() }
        let client = try split.fixture.connect()
        defer { client.close() }
        let counts = split.named(try split.ports(times: 200, on: client))
        print("round_robin, 200 reads: \(counts.sorted { $0.key < $1.key })")
        #expect(counts["primary"] == nil, "\(counts)")
        #expect((80...120).contains(counts["replica1"] ?? 0), "\(counts)")
        #expect((80...120).contains(counts["replica2"] ?? 0), "\(counts)")
        #expect(counts.values.reduce(0, +) == 200, "\(counts)")
    }

    /// Weights 3 and 1: round robin over weight slots gives the first replica three reads in four.
    @Test("round_robin with weights 3:1: the first replica takes about three quarters of the reads")
    func weights() throws {
        let split = try SplitProxy.start(
            databaseSettings: Self.noReadAfterWrite.merging(["load_balance": "\"round_robin\""]) { $1 },
            weights: [3, 1], poolSize: 2)
        defer { split.stop() }
        let client = try split.fixture.connect()
        defer { client.close() }
        let counts = split.named(try split.ports(times: 400, on: client))
        print("round_robin, weights 3:1, 400 reads: \(counts.sorted { $0.key < $1.key })")
        #expect(counts["primary"] == nil, "\(counts)")
        #expect((260...340).contains(counts["replica1"] ?? 0), "\(counts)")
        #expect((60...140).contains(counts["replica2"] ?? 0), "\(counts)")
    }

    /// 400 fair coin flips: each side lands within 50 % ± 15 % (6 standard deviations) unless the
    /// choice is not random and even.
    @Test("random: reads spread roughly evenly over both replicas")
    func random() throws {
        let split = try SplitProxy.start(
            databaseSettings: Self.noReadAfterWrite.merging(["load_balance": "\"random\""]) { $1 }, poolSize: 2)
        defer { split.stop() }
        let client = try split.fixture.connect()
        defer { client.close() }
        let counts = split.named(try split.ports(times: 400, on: client))
        print("random, 400 reads: \(counts.sorted { $0.key < $1.key })")
        #expect(counts["primary"] == nil, "\(counts)")
        #expect((140...260).contains(counts["replica1"] ?? 0), "\(counts)")
        #expect((140...260).contains(counts["replica2"] ?? 0), "\(counts)")
    }

    /// One event loop (so that both clients' leases count in the same place): while one client
    /// holds a read-only transaction on a replica, the other's reads go to the idle replica; once
    /// it ends, both replicas take reads again.
    @Test("least_connections: reads avoid the replica with a leased connection")
    func leastConnections() throws {
        let split = try SplitProxy.start(
            databaseSettings: Self.noReadAfterWrite.merging(["load_balance": "\"least_connections\""]) { $1 },
            poolSize: 2
        ) { $0.proxySettings["workers"] = "1" }
        defer { split.stop() }
        let holder = try split.fixture.connect()
        defer { holder.close() }
        let reader = try split.fixture.connect()
        defer { reader.close() }
        _ = try holder.exec("BEGIN READ ONLY")
        let held = try #require(try holder.exec("SELECT inet_server_port()").scalar)
        #expect(split.replicaPorts.contains(held), "read-only transaction ran on \(split.name(of: held))")
        let other = try #require(split.replicaPorts.first { $0 != held })
        let whileHeld = try split.ports(times: 20, on: reader)
        #expect(whileHeld == [other: 20], "\(split.named(whileHeld)) while \(split.name(of: held)) is busy")
        _ = try holder.exec("COMMIT")
        let afterwards = split.named(try split.ports(times: 40, on: reader))
        print("least_connections: 20 reads while \(split.name(of: held)) is leased: \(split.named(whileHeld)); 40 after: \(afterwards.sorted { $0.key < $1.key })")
        #expect(afterwards["primary"] == nil, "\(afterwards)")
        #expect((afterwards["replica1"] ?? 0) >= 10 && (afterwards["replica2"] ?? 0) >= 10, "\(afterwards)")
    }

    @Test("primary_reads = \"always\": the primary takes reads in rotation with the replicas")
    func primaryReadsAlways() throws {
        let split = try SplitProxy.start(
            databaseSettings: Self.noReadAfterWrite.merging(["primary_reads": "\"always\""]) { $1 }, poolSize: 2)
        defer { split.stop() }
        let client = try split.fixture.connect()
        defer { client.close() }
        let counts = split.named(try split.ports(times: 300, on: client))
        print("primary_reads = always, 300 reads: \(counts.sorted { $0.key < $1.key })")
        for server in ["primary", "replica1", "replica2"] {
            #expect((60...140).contains(counts[server] ?? 0), "\(server): \(counts)")
        }
    }

    /// Both configured replicas are addresses where nothing listens: health checks mark them down.
    @Test(
        "no usable replica: primary_reads = \"never\" fails reads with 08006, \"fallback\" reads the primary",
        arguments: ["never", "fallback"])
    func noUsableReplica(primaryReads: String) throws {
        var configuration = ProxyConfiguration(poolMode: "transaction", poolSize: 2, isolatedDatabase: false)
        configuration.replicas = [
            ProxyConfiguration.Replica(port: try freePort()), ProxyConfiguration.Replica(port: try freePort()),
        ]
        configuration.databaseSettings = ["primary_reads": "\"\(primaryReads)\"", "read_after_write": "\"none\""]
        configuration.healthSettings = ["interval_ms": "200", "timeout_ms": "500", "failure_threshold": "1"]
        let fixture = try ProxyFixture.start(configuration)
        defer { fixture.stop() }
        let client = try fixture.connect()
        defer { client.close() }
        let primaryPort = String(fixture.primary.port)
        func read() -> Result<String?, PGError> {
            Result { try client.exec("SELECT inet_server_port()").scalar }.mapError { $0 as! PGError }
        }
        // Until the first failed checks, a read may still try a replica; after them it must not.
        let settled = try waitUntil(timeout: 10) {
            switch read() {
            case .success(let port): return primaryReads == "fallback" && port == primaryPort
            case .failure(let error): return primaryReads == "never" && error.sqlState?.code == "08006"
            }
        }
        #expect(settled, "reads never settled with primary_reads = \(primaryReads): \(read())")
        for _ in 0..<10 {
            switch read() {
            case .success(let port):
                #expect(primaryReads == "fallback" && port == primaryPort, "read answered by port \(port ?? "NULL")")
            case .failure(let error):
                #expect(primaryReads == "never" && error.sqlState?.code == "08006", "\(error)")
            }
            #expect(client.isHealthy)
        }
        // Writes and hinted reads need only the primary.
        #expect(try client.exec("/* switchyard: primary */ SELECT inet_server_port()").scalar == primaryPort)
        #expect(try client.exec("SELECT inet_server_port(), txid_current()").scalar == primaryPort)
    }
}
