// LocalPostgresTests: a single local server's life: ports, stop modes, auth changes, orphan cleanup.
import Foundation
import Glibc
import SwitchyardTesting
import SwitchyardWire
import Testing

@Suite("Local servers: lifecycle", .serialized)
struct LocalPostgresTests {
    @Test("a server whose port was taken meanwhile starts on another one")
    func portTakenBeforeStart() throws {
        let topology = try LocalTopology()
        defer { topology.stop() }
        let server = try LocalPostgres.create(
            name: "busy-port", in: topology.baseDirectory, options: LocalPostgresOptions(fast: true))
        defer { server.remove() }
        let chosen = server.port
        let squatter = try TCPListener(port: chosen)
        defer { squatter.close() }

        try server.start()
        #expect(server.isRunning)
        #expect(server.port != chosen)
        #expect(try server.query("SHOW port") == String(server.port))
    }

    @Test("every stop mode ends the postmaster; start and restart keep the data")
    func stopAndRestart() throws {
        let topology = try LocalTopology()
        defer { topology.stop() }
        let server = try topology.startServer(name: "cycle", options: LocalPostgresOptions(fast: true))
        try server.query("CREATE TABLE kept (n int); INSERT INTO kept VALUES (7); CHECKPOINT;")
        for mode in [StopMode.smart, .fast, .immediate] {
            let pid = try #require(server.postmasterPID)
            try server.stop(mode: mode)
            #expect(!server.isRunning, "after \(mode) stop")
            #expect(server.postmasterPID == nil)
            #expect(!ChildProcess.isAlive(pid), "after \(mode) stop")
            #expect(throws: LocalError.self) { try server.query("SELECT 1") }
            try server.start()
            #expect(try server.query("SELECT n FROM kept") == "7", "after \(mode) stop")
        }
        let pid = server.postmasterPID
        try server.restart()
        #expect(server.postmasterPID != pid)
        #expect(try server.query("SELECT n FROM kept") == "7")
    }

    @Test("a role's host authentication method can be changed on a running server")
    func changeHostAuthentication() throws {
        let topology = try LocalTopology()
        defer { topology.stop() }
        let server = try topology.startServer(name: "hba", options: LocalPostgresOptions(fast: true))
        try server.createRole(name: "mover", password: "right")
        let wrongPassword = server.connectionString(user: "mover", password: "wrong", database: "postgres")

        let refused = try #require(throws: PGError.self) { try PGConnection(wrongPassword) }
        #expect(refused.sqlState == .invalidPassword)
        try server.setHostAuthentication(.trust, forRole: "mover")
        try PGConnection(wrongPassword).close()
        try server.setHostAuthentication(.scramSHA256, forRole: "mover")
        #expect(throws: PGError.self) { try PGConnection(wrongPassword) }
    }

    @Test("a topology in a chosen directory is kept after stop() and refuses an existing server name")
    func chosenDirectory() throws {
        let parent = try LocalTopology()
        defer { parent.stop() }
        let chosen = parent.baseDirectory + "/chosen"
        let topology = try LocalTopology(directory: chosen)
        #expect(!topology.isTemporary)
        let server = try topology.startServer(name: "kept", options: LocalPostgresOptions(fast: true))
        let pid = try #require(server.postmasterPID)
        topology.stop()
        #expect(!ChildProcess.isAlive(pid))
        #expect(FileManager.default.fileExists(atPath: server.dataDirectory + "/PG_VERSION"))
        // A second server of the same name is refused rather than mixed with the first one's data.
        let again = try LocalTopology(directory: chosen)
        let error = try #require(throws: LocalError.self) { try again.startServer(name: "kept") }
        guard case .directoryNotUsable(let path, _) = error else {
            Issue.record("unexpected error \(error)")
            return
        }
        #expect(path == chosen + "/kept")
    }

    @Test("servers left by a process that died are stopped and their directory deleted")
    func orphansAreReaped() throws {
        let account = try ServerAccount.current()
        // A directory as BaseDirectory makes it. It is owned by this process while its server is
        // made and started (other tests reap orphans concurrently), then by one that has exited.
        let deadChild = try ChildProcess.spawn(executable: "/bin/true", arguments: [])
        #expect(deadChild.wait(timeout: 10) == .exited(0))
        let directory = "/tmp/switchyard-orphan-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        try "\(getpid())\n".write(toFile: directory + "/owner.pid", atomically: false, encoding: .utf8)
        try account.takeOwnership(of: directory)
        let server = try LocalPostgres.create(name: "orphan", in: directory, options: LocalPostgresOptions(fast: true))
        defer {
            server.remove()
            try? FileManager.default.removeItem(atPath: directory)
        }
        try server.start()
        let pid = try #require(server.postmasterPID)
        try "\(deadChild.pid)\n".write(toFile: directory + "/owner.pid", atomically: true, encoding: .utf8)

        LocalRegistry.shared.reapOrphans()
        #expect(!ChildProcess.isAlive(pid))
        #expect(!FileManager.default.fileExists(atPath: directory))
    }

    @Test("a directory owned by a live process is not reaped")
    func liveOwnersAreKept() throws {
        let topology = try LocalTopology()
        defer { topology.stop() }
        LocalRegistry.shared.reapOrphans()
        #expect(FileManager.default.fileExists(atPath: topology.baseDirectory))
    }
}

/// A listening TCP socket on 127.0.0.1, to occupy a port.
private struct TCPListener {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(descriptor, 1) == 0 else {
            Glibc.close(descriptor)
            throw LocalError.systemCall(name: "bind", errno: errno)
        }
    }

    func close() { Glibc.close(descriptor) }
}
