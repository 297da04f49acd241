// ProxyProcessTests: launching, watching and stopping a daemon process (a stand-in and the real
// `switchyard run`), and the client tools.
import Foundation
import Glibc
import SwitchyardTesting
import Testing

@Suite("ProxyProcess and ClientTools", .serialized)
struct ProxyProcessTests {
    /// A stand-in daemon: reads `listen = "127.0.0.1:PORT"` from the config file given after
    /// `--config`, listens there, reports SIGHUP, exits 0 on SIGTERM.
    private static let fakeDaemon = """
        import signal, socket, sys, time
        config = sys.argv[sys.argv.index("--config") + 1]
        port = next(int(line.split('"')[1].rsplit(":", 1)[1]) for line in open(config) if line.startswith("listen"))
        server = socket.socket()
        server.bind(("127.0.0.1", port))
        server.listen(16)
        print("listening on", port, "args", " ".join(sys.argv[1:]), flush=True)
        signal.signal(signal.SIGHUP, lambda *_: print("reloaded", open(config).read().strip(), flush=True))
        signal.signal(signal.SIGTERM, lambda *_: (print("terminating", flush=True), sys.exit(0)))
        while True:
            time.sleep(0.05)
        """

    private static let python: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "")
        .split(separator: ":").map { "\($0)/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Writes an executable shell script and returns its path.
    private func script(_ body: String, in directory: String) throws -> String {
        let path = directory + "/fake-switchyard-\(UInt32.random(in: 0...UInt32.max))"
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    @Test("a daemon is started, waited for, signalled and stopped", .enabled(if: python != nil))
    func fakeDaemonLifecycle() throws {
        let scratch = try LocalTopology()
        defer { scratch.stop() }
        let program = scratch.baseDirectory + "/fake.py"
        try Self.fakeDaemon.write(toFile: program, atomically: true, encoding: .utf8)
        let executable = try script("exec \(Self.python!) \(program) \"$@\"", in: scratch.baseDirectory)
        let port = try freePort()

        let proxy = try ProxyProcess.start(
            config: "listen = \"127.0.0.1:\(port)\"\n", port: port, executable: executable, arguments: ["--extra"])
        defer { proxy.stop() }
        #expect(proxy.isRunning)
        #expect(
            try waitUntil {
                proxy.output().contains("listening on \(port) args run --config \(proxy.configPath) --extra")
            })

        try proxy.reload(config: "listen = \"127.0.0.1:\(port)\"\n# second\n")
        #expect(try waitUntil { proxy.output().contains("reloaded listen") && proxy.output().contains("# second") })

        #expect(proxy.stop(timeout: 5) == .exited(0))
        #expect(!proxy.isRunning)
        #expect(!ChildProcess.isAlive(proxy.pid))
        #expect(proxy.output().contains("terminating"))
    }

    @Test("a daemon that exits at once fails the start with its output")
    func daemonExitsEarly() throws {
        let scratch = try LocalTopology()
        defer { scratch.stop() }
        let executable = try script("echo \"bad config: $3\" >&2; exit 3", in: scratch.baseDirectory)
        let error = try #require(throws: LocalError.self) {
            try ProxyProcess.start(config: "", port: try freePort(), executable: executable)
        }
        guard case .commandFailed(_, let status, let output) = error else {
            Issue.record("unexpected error \(error)")
            return
        }
        #expect(status == .exited(3))
        #expect(output.contains("bad config: /tmp/switchyard-proxy-"))
    }

    @Test("a daemon that never listens is killed after the timeout")
    func daemonNeverListens() throws {
        let scratch = try LocalTopology()
        defer { scratch.stop() }
        let pidFile = scratch.baseDirectory + "/pid"
        let executable = try script("echo $$ > \(pidFile); exec sleep 30", in: scratch.baseDirectory)
        let started = Monotonic.now
        #expect(throws: LocalError.self) {
            try ProxyProcess.start(config: "", port: try freePort(), executable: executable, timeout: 0.5)
        }
        #expect(Monotonic.now - started < 5)
        let pid = try #require(
            pid_t(
                String(decoding: FileManager.default.contents(atPath: pidFile) ?? Data(), as: UTF8.self)
                    .trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(!ChildProcess.isAlive(pid))
    }

    @Test("the switchyard executable is found beside the test binary")
    func locatesExecutable() throws {
        let path = try ProxyProcess.locateExecutable()
        #expect(path.hasSuffix("/switchyard"))
        let version = try Command(path, ["--version"]).run(timeout: 30)
        #expect(version.succeeded)
    }

    @Test("the real daemon proxies a query to the primary and exits 0 on SIGTERM")
    func realDaemon() throws {
        let primary = try TestCluster.shared.primary()
        let port = try freePort()
        let config = """
            [proxy]
            listen = "127.0.0.1:\(port)"
            admin_listen = ""

            [health]
            user = "postgres"
            password = "postgres"

            [[users]]
            name = "app"
            password = "app"

            [clusters.main]
            database = "app"

            [[clusters.main.servers]]
            host = "127.0.0.1"
            port = \(primary.port)
            role = "primary"

            [databases.app]
            cluster = "main"
            """
        let proxy = try ProxyProcess.start(config: config, port: port)
        defer { proxy.stop() }
        let connection = try PGConnection(
            "host=127.0.0.1 port=\(port) user=app password=app dbname=app sslmode=disable")
        defer { connection.close() }
        #expect(try connection.exec("SELECT current_user, current_database()").rows == [["app", "app"]])
        connection.close()
        #expect(proxy.stop() == .exited(0))
    }

    @Test("psql and pgbench run against the primary")
    func clientTools() throws {
        let primary = try TestCluster.shared.primary()
        let target = ["-h", primary.host, "-p", String(primary.port), "-U", "app"]
        let psql = try ClientTools.psql(target + ["-d", "app", "-At", "-c", "SELECT 40 + 2"], password: "app")
        #expect(psql.succeeded)
        #expect(psql.standardOutput == "42\n")

        let refused = try ClientTools.psql(target + ["-d", "app", "-c", "SELECT 1"], password: "wrong")
        #expect(refused.status == .exited(2))
        #expect(refused.standardError.contains("password authentication failed"))

        let scratch = try LocalTopology()
        defer { scratch.stop() }
        let script = scratch.baseDirectory + "/select.sql"
        try "SELECT 1;\n".write(toFile: script, atomically: true, encoding: .utf8)
        let bench = try ClientTools.pgbench(
            target + ["-n", "-c", "2", "-t", "25", "-f", script, "app"], password: "app")
        #expect(bench.succeeded, "\(bench.standardError)")
        #expect(bench.standardOutput.contains("number of transactions actually processed: 50/50"))
    }
}
