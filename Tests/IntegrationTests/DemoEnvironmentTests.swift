// DemoEnvironmentTests: `switchyard demo`'s servers start with their data, stream, and leave no trace.
import Foundation
import SwitchyardTesting
import Testing

@Suite("Demo environment", .serialized)
struct DemoEnvironmentTests {
    @Test("the demo starts a streaming primary/replica pair and two shards, and stop() removes all")
    func demoLifecycle() throws {
        let proxyPort = try freePort()
        let demo = try DemoEnvironment.start(proxyPort: proxyPort, adminPort: try freePort(), fast: true)
        var stopped = false
        defer { if !stopped { demo.stop() } }
        let servers = demo.main.servers + demo.shards
        #expect(servers.count == 4)
        #expect(Set(servers.map(\.port)).count == 4)
        #expect(servers.allSatisfy { $0.directory.hasPrefix(demo.directory + "/") })

        // The demo user reaches every server; main has accounts, each shard an empty orders table.
        func appConnection(_ server: LocalPostgres) throws -> PGConnection {
            try PGConnection(server.connectionString(user: "app", password: "app", database: "app"))
        }
        let primary = try appConnection(demo.main.primary)
        defer { primary.close() }
        #expect(try primary.exec("SELECT count(*) FROM accounts").scalar == "3")
        for shard in demo.shards {
            let connection = try appConnection(shard)
            defer { connection.close() }
            #expect(try connection.exec("SELECT count(*) FROM orders").scalar == "0")
            _ = try connection.exec("INSERT INTO orders (customer_id, item) VALUES (1, 'widget')")
        }

        // The replica streams: a new row on the primary shows up there.
        let replica = try #require(demo.main.replicas.first)
        #expect(try replica.isInRecovery())
        _ = try primary.exec("INSERT INTO accounts VALUES (4, 'dave', 1)")
        let reader = try appConnection(replica)
        defer { reader.close() }
        #expect(try waitUntil { try reader.exec("SELECT count(*) FROM accounts").scalar == "4" })

        // The configuration names every server where it runs, and the proxy port.
        #expect(
            FileManager.default.contents(atPath: demo.configPath).map { String(decoding: $0, as: UTF8.self) }
                == demo.configText)
        #expect(demo.configText.contains("listen = \"127.0.0.1:\(proxyPort)\""))
        for server in servers { #expect(demo.configText.contains("port = \(server.port)\n")) }
        #expect(demo.dsn == "postgresql://app:app@127.0.0.1:\(proxyPort)/app")

        let postmasters = servers.compactMap(\.postmasterPID)
        #expect(postmasters.count == 4)
        reader.close()
        primary.close()
        demo.stop()
        stopped = true
        #expect(postmasters.allSatisfy { !ChildProcess.isAlive($0) })
        #expect(servers.allSatisfy { !$0.isRunning })
        #expect(!FileManager.default.fileExists(atPath: demo.directory))
    }
}
