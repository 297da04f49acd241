// CommandLineTests: the built `switchyard` binary's check and route commands, end to end.
import Foundation
import SwitchyardTesting
import Testing

@Suite struct CommandLineTests {
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
        try Command(try ProxyProcess.locateExecutable(), arguments, environment: environment).run(timeout: 60)
    }

    static var repositoryConfig: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/switchyard.toml").path
    }

    static func writeConfig(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "switchyard-cli-\(UUID().uuidString).toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func checkAcceptsTheRepositoryExample() throws {
        let result = try Self.run(["check", "--config", Self.repositoryConfig])
        #expect(result.status == .exited(0))
        #expect(result.standardOutput == "OK\n")
    }

    @Test func checkReportsEveryProblemWithItsLine() throws {
        let path = try Self.writeConfig(
            """
            [proxy]
            listen = "127.0.0.1:6432"
            pool_sise = 3

            [[users]]
            name = "app"
            password = "secret"

            [clusters.main]
            user = "app"

            [[clusters.main.servers]]
            host = "127.0.0.1"
            port = 70000

            [databases.app]
            cluster = "nowhere"
            """
        )
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try Self.run(["check", "--config", path])
        #expect(result.status == .exited(1))
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines.contains("\(path):3: unknown key \"pool_sise\" in [proxy]"))
        #expect(lines.contains { $0.hasPrefix("\(path):14: ") && $0.contains("70000") })
        #expect(lines.contains("\(path):17: unknown cluster \"nowhere\""))
    }

    @Test func checkReadsTheEnvironmentVariableWhenNoFlagIsGiven() throws {
        let result = try Self.run(["check"], environment: ["SWITCHYARD_CONFIG": "/nonexistent/switchyard.toml"])
        #expect(result.status == .exited(1))
        #expect(result.standardOutput.hasPrefix("/nonexistent/switchyard.toml: "))
    }

    @Test(arguments: [
        (
            "SELECT * FROM orders WHERE customer_id = 42",
            #"{"database":"app","kind":"read","target":"replica","cluster":"shard0","shard":0,"shards":null,"tables":["orders"],"reason":"plain SELECT"}"#
        ),
        (
            "UPDATE blog_entry SET title = 'x' WHERE id = 1",
            #"{"database":"app","kind":"write","target":"primary","cluster":"main","shard":null,"shards":null,"tables":["blog_entry"],"reason":"UPDATE"}"#
        ),
        (
            "SELECT * FROM auth_user u JOIN orders o ON o.customer_id = u.id",
            #"{"error":{"sqlstate":"0A000","message":"cannot join \"auth_user\" (cluster users) with \"orders\" (clusters shard0, shard1)"}}"#
        ),
    ])
    func routePrintsOneJSONObjectAndExitsZero(sql: String, expected: String) throws {
        let result = try Self.run(["route", "--config", Self.repositoryConfig, "--database", "app", sql])
        #expect(result.status == .exited(0))
        #expect(result.standardOutput == expected + "\n")
    }
}
