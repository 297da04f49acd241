// ProxyShutdownTests: SIGTERM stops accepting, lets open transactions finish within
// shutdown_timeout_ms, closes every client with FATAL 57P01 and exits 0 (SPEC §6).
import Foundation
import Glibc
import SwitchyardTesting
import SwitchyardWire
import Testing

@Suite("Proxy shutdown", .serialized)
struct ProxyShutdownTests {
    /// What a client saw on its socket until the proxy closed it, and when the close came.
    private struct Farewell {
        var frames: [BackendFrame]
        var closed: Bool
        /// Seconds from `since` to the close.
        var after: Double

        /// One FATAL 57P01 (admin_shutdown) and nothing else, then the close.
        var isAdminShutdown: Bool {
            closed && frames.count == 1 && frames[0].sqlState == "57P01" && frames[0].errorFields["S"] == "FATAL"
        }
    }

    /// Reads the rest of a libpq connection's session from its socket, without libpq.
    private func farewell(of connection: PGConnection, since: Double, timeout: Double = 5) -> Farewell {
        let raw = RawConnection(borrowing: connection.socketDescriptor)
        let end = raw.readUntilClosed(timeout: timeout)
        return Farewell(frames: end.frames, closed: end.closed, after: Monotonic.now - since)
    }

    @Test("SIGTERM with an idle client: it gets 57P01 at once, new clients are refused, exit status 0")
    func idleClient() throws {
        let fixture = try ProxyFixture.start(ProxyConfiguration(proxySettings: ["shutdown_timeout_ms": "5000"]))
        defer { fixture.stop() }
        let idle = try fixture.connect()
        defer { idle.close() }
        #expect(try idle.exec("SELECT 1").scalar == "1")

        let signalled = Monotonic.now
        fixture.proxy.signal(SIGTERM)
        let end = farewell(of: idle, since: signalled)
        #expect(end.isAdminShutdown, "\(end.frames.map(\.errorFields))")
        #expect(end.frames.first?.errorFields["M"] == "terminating connection due to administrator command")
        #expect(end.after < 1, "closed after \(end.after) s")
        // Every loop closes its listening socket when the signal reaches it; a connection made
        // in between is reset with the socket, never logged in.
        #expect(throws: (any Error).self) { try fixture.connect(timeout: 5) }
        #expect(try waitUntil(timeout: 2) { (try? RawConnection(port: fixture.port)) == nil })
        #expect(fixture.proxy.waitForExit(timeout: 5) == .exited(0), "\(fixture.proxy.output())")
        #expect(try waitUntil(timeout: 5) { try fixture.serverBackendCount() == 0 })
    }

    /// The transaction in progress may still run statements and COMMIT; only then is its client
    /// closed. An idle client beside it is closed at once.
    @Test("SIGTERM with a client inside a transaction: it can COMMIT, then gets 57P01; exit status 0")
    func transactionFinishes() throws {
        let fixture = try ProxyFixture.start(ProxyConfiguration(proxySettings: ["shutdown_timeout_ms": "5000"]))
        defer { fixture.stop() }
        let direct = try fixture.connectDirect()
        defer { direct.close() }
        _ = try direct.exec("CREATE TABLE shutdown_rows (n int)")
        let busy = try fixture.connect()
        defer { busy.close() }
        let idle = try fixture.connect()
        defer { idle.close() }
        #expect(try idle.exec("SELECT 1").scalar == "1")
        _ = try busy.exec("BEGIN")
        _ = try busy.exec("INSERT INTO shutdown_rows VALUES (1)")

        let signalled = Monotonic.now
        fixture.proxy.signal(SIGTERM)
        let idleEnd = farewell(of: idle, since: signalled)
        #expect(idleEnd.isAdminShutdown)
        #expect(idleEnd.after < 1)
        #expect(fixture.proxy.isRunning)

        _ = try busy.exec("INSERT INTO shutdown_rows VALUES (2)")
        #expect(try busy.exec("SELECT count(*) FROM shutdown_rows").scalar == "2")
        #expect(try busy.exec("COMMIT").commandTag == "COMMIT")
        let committed = Monotonic.now
        let busyEnd = farewell(of: busy, since: committed)
        #expect(busyEnd.isAdminShutdown, "\(busyEnd.frames.map(\.errorFields))")
        #expect(busyEnd.after < 1, "closed \(busyEnd.after) s after COMMIT")
        #expect(fixture.proxy.waitForExit(timeout: 5) == .exited(0), "\(fixture.proxy.output())")
        #expect(try direct.exec("SELECT count(*) FROM shutdown_rows").scalar == "2")
    }

    /// Past shutdown_timeout_ms the client is closed in the middle of its transaction, which the
    /// server then rolls back.
    @Test("SIGTERM with a transaction left open past shutdown_timeout_ms: 57P01, rolled back, exit 0")
    func transactionTimesOut() throws {
        let fixture = try ProxyFixture.start(ProxyConfiguration(proxySettings: ["shutdown_timeout_ms": "500"]))
        defer { fixture.stop() }
        let direct = try fixture.connectDirect()
        defer { direct.close() }
        _ = try direct.exec("CREATE TABLE shutdown_stuck (n int)")
        let stuck = try fixture.connect()
        defer { stuck.close() }
        _ = try stuck.exec("BEGIN")
        _ = try stuck.exec("INSERT INTO shutdown_stuck VALUES (1)")

        let signalled = Monotonic.now
        fixture.proxy.signal(SIGTERM)
        let end = farewell(of: stuck, since: signalled)
        #expect(end.isAdminShutdown, "\(end.frames.map(\.errorFields))")
        #expect(end.after >= 0.45 && end.after < 1.5, "closed after \(end.after) s")
        #expect(fixture.proxy.waitForExit(timeout: 5) == .exited(0), "\(fixture.proxy.output())")
        #expect(try waitUntil(timeout: 5) { try fixture.serverBackendCount(excluding: [direct.backendPID]) == 0 })
        #expect(try direct.exec("SELECT count(*) FROM shutdown_stuck").scalar == "0")
    }

    /// A statement still running when the timeout passes ends with the client's close too.
    @Test("SIGTERM while a statement runs past shutdown_timeout_ms: 57P01, then exit 0")
    func statementTimesOut() throws {
        let fixture = try ProxyFixture.start(ProxyConfiguration(proxySettings: ["shutdown_timeout_ms": "500"]))
        defer { fixture.stop() }
        let running = try fixture.connect()
        defer { running.close() }
        let raw = RawConnection(borrowing: running.socketDescriptor)
        raw.send(FrontendBytes.query("SELECT pg_sleep(20)"))
        usleep(200_000)
        let signalled = Monotonic.now
        fixture.proxy.signal(SIGTERM)
        let end = raw.readUntilClosed(timeout: 5)
        let after = Monotonic.now - signalled
        #expect(end.closed)
        #expect(end.frames.contains { $0.sqlState == "57P01" }, "\(end.frames.map(\.errorFields))")
        #expect(after < 1.5, "closed after \(after) s")
        #expect(fixture.proxy.waitForExit(timeout: 5) == .exited(0), "\(fixture.proxy.output())")
    }
}
