// ProxyDisconnectTests: clients that go away without Terminate, between statements or in the
// middle of a message, give back their client slot and their server connection.
import Foundation
import Glibc
import SwitchyardTesting
import SwitchyardWire
import Testing

@Suite("Proxy client disconnects", .serialized)
struct ProxyDisconnectTests {
    /// Starts `COPY ... FROM STDIN` on `connection` behind libpq's back, sends one whole row and
    /// half of a CopyData message, waits `pause` seconds, and drops the TCP connection.
    private func abandonCopy(_ connection: PGConnection, table: String, pause: Double) {
        let descriptor = connection.socketDescriptor
        let raw = RawConnection(borrowing: descriptor)
        raw.send(FrontendBytes.query("COPY \(table) FROM STDIN"))
        _ = raw.readFrames(until: UInt8(ascii: "G"), timeout: 5)
        let half = Array(FrontendBytes.message("d", Array(String(repeating: "2\n", count: 100).utf8)).prefix(50))
        raw.send(FrontendBytes.message("d", Array("1\n".utf8)) + half)
        if pause > 0 { usleep(useconds_t(pause * 1_000_000)) }
        _ = shutdown(descriptor, Int32(SHUT_RDWR))
        connection.close()
    }

    /// pool_size 1: the next client can only run once the abandoned COPY's server connection is
    /// given back (or closed), and the server has rolled the COPY back.
    private func copyAbandoned(pause: Double) throws {
        let fixture = try ProxyFixture.start(
            ProxyConfiguration(poolSize: 1, proxySettings: ["query_wait_timeout_ms": "10000"]))
        defer { fixture.stop() }
        let direct = try fixture.connectDirect()
        defer { direct.close() }
        _ = try direct.exec("CREATE TABLE abandoned (n int)")
        abandonCopy(try fixture.connect(), table: "abandoned", pause: pause)
        let next = try fixture.connect()
        defer { next.close() }
        let started = Monotonic.now
        #expect(try next.exec("SELECT count(*) FROM abandoned").scalar == "0")
        #expect(Monotonic.now - started < 2, "waited \(Monotonic.now - started) s for the server connection")
    }

    @Test("a client that drops its connection in the middle of COPY data gives its server back")
    func copyAbandonedAfterPause() throws {
        try copyAbandoned(pause: 0.2)
    }

    /// The same, but the end of the connection arrives together with the last bytes, as when a
    /// client process dies while writing.
    @Test(
        "a client that drops its connection right after half a CopyData message gives its server back"
    )
    func copyAbandonedAtOnce() throws {
        try copyAbandoned(pause: 0)
    }

    @Test("clients that close their socket without Terminate free their slots")
    func closeWithoutTerminate() throws {
        let fixture = try ProxyFixture.start(ProxyConfiguration(proxySettings: ["max_client_connections": "2"]))
        defer { fixture.stop() }
        for round in 0..<4 {
            let clients = try (0..<2).map { _ in try fixture.connect() }
            #expect(try clients[0].exec("SELECT \(round)").scalar == String(round))
            for client in clients {
                _ = shutdown(client.socketDescriptor, Int32(SHUT_RDWR))
                client.close()
            }
            // The proxy notices the closes on its own time: wait for both slots.
            #expect(
                try waitUntil(timeout: 2) {
                    guard let a = try? fixture.connect() else { return false }
                    defer { a.close() }
                    guard let b = try? fixture.connect() else { return false }
                    b.close()
                    return true
                })
            usleep(50_000)
        }
    }
}
