// ProxyLimitsTests: max_client_connections, client_login_timeout_ms and max_message_bytes (SPEC §6),
// and the plaintext-only answers to SSLRequest and GSSENCRequest.
import Foundation
import SwitchyardTesting
import SwitchyardWire
import Testing

@Suite("Proxy limits", .serialized)
struct ProxyLimitsTests {
    /// 53300 too_many_connections, with PostgreSQL's own message for it.
    @Test("max_client_connections = 5: the 6th client gets FATAL 53300, and a freed slot is reusable")
    func maxClientConnections() throws {
        let fixture = try ProxyFixture.start(ProxyConfiguration(proxySettings: ["max_client_connections": "5"]))
        defer { fixture.stop() }
        var clients = try (0..<5).map { _ in try fixture.connect() }
        defer { for client in clients { client.close() } }
        let refused = try #require(throws: PGError.self) { try fixture.connect() }
        #expect(refused.sqlState == .tooManyConnections)
        #expect(refused.severity == "FATAL")
        #expect(refused.message == "sorry, too many clients already")
        for (index, client) in clients.enumerated() {
            #expect(try client.exec("SELECT \(index)").scalar == String(index))
        }
        // Refused clients do not use up slots; a client that leaves frees one.
        #expect(throws: PGError.self) { try fixture.connect() }
        clients.removeFirst().close()
        #expect(
            try waitUntil(timeout: 5) {
                guard let client = try? fixture.connect() else { return false }
                clients.append(client)
                return true
            })
        #expect(try clients.last?.exec("SELECT 'sixth'").scalar == "sixth")
    }

    /// A TCP client that never sends its startup packet, and one that never answers the password
    /// challenge, are closed after client_login_timeout_ms; logged-in idle clients are not.
    @Test("client_login_timeout_ms = 300: silent and half-logged-in clients are closed within ~1 s")
    func loginTimeout() throws {
        let fixture = try ProxyFixture.start(ProxyConfiguration(proxySettings: ["client_login_timeout_ms": "300"]))
        defer { fixture.stop() }
        let loggedIn = try fixture.connect()
        defer { loggedIn.close() }

        let silent = try RawConnection(port: fixture.port)
        defer { silent.close() }
        let halfway = try RawConnection(port: fixture.port)
        defer { halfway.close() }
        let started = Monotonic.now
        #expect(halfway.firstAuthenticationRequest(parameters: [("user", "app"), ("database", "app")]) == 10)

        let silentEnd = silent.readUntilClosed(timeout: 3)
        let silentElapsed = Monotonic.now - started
        #expect(silentEnd.closed)
        // The timeout is checked every 100 ms; allow for a loaded machine on top.
        #expect(silentElapsed >= 0.25 && silentElapsed < 1.2, "closed after \(silentElapsed) s")
        #expect(silentEnd.frames.allSatisfy { $0.kind == "E" })

        let halfwayEnd = halfway.readUntilClosed(timeout: 3)
        let halfwayElapsed = Monotonic.now - started
        #expect(halfwayEnd.closed)
        #expect(halfwayElapsed < 1.2, "closed after \(halfwayElapsed) s")
        #expect(halfwayEnd.frames.map(\.kind) == ["E"])
        #expect(halfwayEnd.frames.first?.errorFields["S"] == "FATAL")

        usleep(200_000)
        #expect(try loggedIn.exec("SELECT 'idle but logged in'").scalar == "idle but logged in")
    }

    /// 08P01 protocol_violation for the oversized message; the client is closed, no one else is.
    @Test("max_message_bytes = 10000: a 20 kB query gets 08P01 and a close; other clients are unaffected")
    func maxMessageBytes() throws {
        let fixture = try ProxyFixture.start(ProxyConfiguration(proxySettings: ["max_message_bytes": "10000"]))
        defer { fixture.stop() }
        let bystander = try fixture.connect()
        defer { bystander.close() }
        _ = try bystander.exec("BEGIN")
        #expect(try bystander.exec("SELECT 'before'").scalar == "before")

        let offender = try fixture.connect()
        defer { offender.close() }
        let small = "SELECT length('" + String(repeating: "x", count: 9_000) + "')"
        #expect(try offender.exec(small).scalar == "9000")
        // libpq reports an error that comes with a close as a lost connection, without its
        // fields; the raw bytes on its socket show the ErrorResponse itself.
        let raw = RawConnection(borrowing: offender.socketDescriptor)
        raw.send(FrontendBytes.query("SELECT length('" + String(repeating: "x", count: 20_000) + "')"))
        let answer = raw.readUntilClosed(timeout: 5)
        #expect(answer.closed)
        #expect(answer.frames.map(\.kind) == ["E"])
        #expect(answer.frames.first?.sqlState == "08P01")
        #expect(answer.frames.first?.errorFields["S"] == "FATAL")
        // libpq sees the same through its own query.
        let second = try fixture.connect()
        defer { second.close() }
        let error = try #require(throws: PGError.self) {
            try second.exec("SELECT length('" + String(repeating: "x", count: 20_000) + "')")
        }
        #expect(error.message.contains("FATAL"), "\(error)")
        #expect(!second.isHealthy)

        #expect(try bystander.exec("SELECT 'after'").scalar == "after")
        _ = try bystander.exec("COMMIT")
        let newcomer = try fixture.connect()
        defer { newcomer.close() }
        #expect(
            try newcomer.execParams("SELECT length($1)", params: [String(repeating: "y", count: 5_000)]).scalar
                == "5000")
    }

    /// The proxy has no TLS and no GSSAPI encryption: it answers both requests with a single `N`
    /// and the client goes on in plaintext on the same connection, as libpq does after `N`.
    @Test("SSLRequest and GSSENCRequest are answered N, then the login proceeds")
    func encryptionRequests() throws {
        let fixture = try ProxyFixture.start(ProxyConfiguration(isolatedDatabase: false))
        defer { fixture.stop() }
        for requests in [["S"], ["G"], ["G", "S"]] {
            let raw = try RawConnection(port: fixture.port)
            defer { raw.close() }
            for request in requests {
                raw.send(request == "S" ? FrontendBytes.sslRequest : FrontendBytes.gssEncRequest)
                #expect(raw.readSome(timeout: 5) == .bytes([UInt8(ascii: "N")]), "\(requests)")
            }
            #expect(raw.firstAuthenticationRequest(parameters: [("user", "app"), ("database", "app")]) == 10)
        }

        // libpq falls back to plaintext after N with sslmode=prefer, and gives up with require.
        let preferred = try PGConnection(
            fixture.conninfo().replacingOccurrences(of: "sslmode='disable'", with: "sslmode='prefer'"))
        defer { preferred.close() }
        #expect(try preferred.exec("SELECT 1").scalar == "1")
        #expect(throws: PGError.self) {
            try PGConnection(
                fixture.conninfo().replacingOccurrences(of: "sslmode='disable'", with: "sslmode='require'"))
        }
    }
}
