// ProxyMalformedServerTests: a server that answers with garbage, malformed errors or lying lengths
// (a fake PostgreSQL server in the test): its client gets an error, the proxy closes that server
// connection, other clients and the daemon go on.
import Foundation
import SwitchyardTesting
import SwitchyardWire
import Testing

/// One way a server can break the protocol when answering a query.
enum ServerFault: String, CaseIterable, Sendable {
    case garbage, tinyLength, negativeLength, badReadyForQueryStatus, longReadyForQuery, unknownMessageType
    case hugeCommandComplete, errorWithoutSQLState, emptyErrorResponse, unterminatedErrorResponse

    /// The query that makes the fake server answer with this fault.
    var trigger: String { "SELECT 'fault: \(rawValue)'" }

    /// The message of the server's own ErrorResponse, which the client may be shown instead of 08006.
    static let serverMessage = "the fake server is broken"

    /// The fake server's answer to `trigger`.
    var answer: [UInt8] {
        let result = BackendBytes.rowDescription(["fault"]) + BackendBytes.dataRow(["1"]) + BackendBytes.commandComplete("SELECT 1")
        switch self {
        case .garbage:
            // Bytes that are no message: type 0, then a length of 0x0102_6761 (about 16 MB).
            return [0, 1, 2] + Array("garbage from a broken server".utf8)
        case .tinyLength:
            return BackendBytes.message("C", length: 2, FrontendBytes.cString("SELECT 1")) + BackendBytes.readyForQuery()
        case .negativeLength:
            return BackendBytes.rowDescription(["fault"]) + BackendBytes.message("D", length: -5, [0, 1])
        case .badReadyForQueryStatus:
            // ReadyForQuery's status is I, T or E.
            return result + BackendBytes.message("Z", [UInt8(ascii: "X")])
        case .longReadyForQuery:
            return result + BackendBytes.message("Z", Array("III".utf8))
        case .unknownMessageType:
            return BackendBytes.message("y", Array("abc".utf8)) + result + BackendBytes.readyForQuery()
        case .hugeCommandComplete:
            // CommandComplete announcing 100 MB and sending a few bytes; the server stays open.
            // libpq gives up on any message but T, D, d, V, E, N and A longer than 30,000 bytes
            // (fe-protocol3.c, VALID_LONG_MESSAGE_TYPE).
            return BackendBytes.message("C", length: 100_000_000, FrontendBytes.cString("SELECT 1"))
        case .errorWithoutSQLState:
            // ErrorResponse always carries S, V, C and M ("Error and Notice Message Fields").
            return BackendBytes.errorResponse([("S", "ERROR"), ("V", "ERROR"), ("M", Self.serverMessage)])
                + BackendBytes.readyForQuery()
        case .emptyErrorResponse:
            return BackendBytes.errorResponse([]) + BackendBytes.readyForQuery()
        case .unterminatedErrorResponse:
            let fields = [UInt8(ascii: "S")] + FrontendBytes.cString("ERROR") + [UInt8(ascii: "M")] + Array(Self.serverMessage.utf8)
            return BackendBytes.message("E", fields) + BackendBytes.readyForQuery()
        }
    }

    /// Faults by the kind of check that catches them; see the tests below.
    static let readyForQueryNotAnswered: [ServerFault] = [.badReadyForQueryStatus, .longReadyForQuery]
    static let typesAndLengthsTrusted: [ServerFault] = [.garbage, .unknownMessageType, .hugeCommandComplete]
    static let malformedErrorsForwarded: [ServerFault] = [.errorWithoutSQLState, .emptyErrorResponse, .unterminatedErrorResponse]
    static var handled: [ServerFault] {
        allCases.filter {
            !(readyForQueryNotAnswered + typesAndLengthsTrusted + malformedErrorsForwarded).contains($0)
        }
    }
}

/// One way a server can break the protocol while the proxy logs in, chosen by the user name.
enum ServerLoginFault: String, CaseIterable, Sendable {
    case shortBackendKeyData, garbage, fatalWithoutSQLState, unknownAuthenticationRequest
    case truncatedParameterStatus, readyForQueryBeforeAuthentication

    var user: String { "fault_\(rawValue)" }

    /// What the fake server sends after the proxy's StartupMessage.
    var answer: [UInt8] {
        switch self {
        case .shortBackendKeyData:
            return BackendBytes.authenticationOk + BackendBytes.message("K", [1, 2, 3]) + BackendBytes.readyForQuery()
        case .garbage:
            return [0, 1] + Array("garbage during login".utf8)
        case .fatalWithoutSQLState:
            return BackendBytes.errorResponse([("S", "FATAL"), ("M", ServerFault.serverMessage)])
        case .unknownAuthenticationRequest:
            return BackendBytes.authentication(code: 99)
        case .truncatedParameterStatus:
            return BackendBytes.authenticationOk + BackendBytes.message("S", Array("server_version".utf8))
                + BackendBytes.readyForQuery()
        case .readyForQueryBeforeAuthentication:
            return BackendBytes.readyForQuery()
        }
    }
}

@Suite("Proxy in front of a server that breaks the protocol", .serialized)
struct ProxyMalformedServerTests {
    /// Starts a fake server answering every fault's trigger and every login fault's user, and a
    /// proxy in front of it; runs `body`, then stops both.
    private func withFakeServer(_ body: (FakePostgresServer, ClusterProxy) throws -> Void) throws {
        let server = try FakePostgresServer(
            login: { session in ServerLoginFault.allCases.first { $0.user == session.user }?.answer },
            query: { _, text in ServerFault.allCases.first { text == $0.trigger }?.answer })
        defer { server.stop() }
        var configuration = ClusterProxyConfiguration(
            servers: [.init(host: "127.0.0.1", port: server.port, role: "primary")], poolSize: 4,
            proxySettings: ["query_wait_timeout_ms": "1500", "server_tls": "\"disable\""],
            healthSettings: ["interval_ms": "500"])
        configuration.users += ServerLoginFault.allCases.map { .init(name: $0.user, password: "fault") }
        let proxy = try ClusterProxy.start(configuration)
        defer { proxy.stop() }
        try body(server, proxy)
    }

    /// The checks of one query fault; see the tests.
    private func queryFault(_ fault: ServerFault) throws {
        try withFakeServer { server, proxy in
            let bystander = try proxy.connect()
            defer { bystander.close() }
            #expect(try bystander.exec("SELECT 'before'").scalar == "1")

            let victim = try proxy.connect()
            defer { victim.close() }
            let raw = RawConnection(borrowing: victim.socketDescriptor)
            let started = Monotonic.now
            raw.send(FrontendBytes.query(fault.trigger))
            let answer = raw.readFrames(until: UInt8(ascii: "Z"), timeout: 6)
            let kinds = String(answer.frames.map(\.kind))
            #expect(!answer.timedOut, "no answer nor close after \(Monotonic.now - started) s (frames \(kinds))")
            #expect(kinds.allSatisfy { "TDCEZNS".contains($0) }, "frames \(kinds) reached the client")
            #expect(
                answer.frames.contains { $0.sqlState == "08006" || $0.errorFields["M"] == ServerFault.serverMessage },
                "no 08006 nor the server's error in \(kinds): \(answer.frames.filter { $0.kind == "E" }.map(\.errorFields))")

            // The proxy closes the connection that broke the protocol.
            let session = try #require(server.session(receiving: fault.trigger))
            #expect(try waitUntil(timeout: 5) { server.isClosedByPeer(session) }, "server connection \(session) kept open")

            // A client still connected can go on.
            if answer.frames.last?.kind == "Z" {
                raw.send(FrontendBytes.query("SELECT 'after'"))
                let next = raw.readFrames(until: UInt8(ascii: "Z"), timeout: 5)
                #expect(next.frames.contains { $0.dataRowValues == ["1"] }, "\(next.frames.map(\.kind))")
            }
            #expect(try bystander.exec("SELECT 'after'").scalar == "1")
            let newcomer = try proxy.connect()
            defer { newcomer.close() }
            #expect(try newcomer.exec("SELECT 'new'").scalar == "1")
            #expect(proxy.proxy.isRunning, "\(proxy.proxy.output().suffix(2000))")
        }
    }

    @Test("a malformed answer: the client gets 08006, the server connection is closed, others go on",
          arguments: ServerFault.handled)
    func malformedAnswer(fault: ServerFault) throws {
        try queryFault(fault)
    }

    @Test(
        "an invalid ReadyForQuery from the server is answered to the client",
        arguments: ServerFault.readyForQueryNotAnswered)
    func invalidReadyForQuery(fault: ServerFault) throws {
        try queryFault(fault)
    }

    @Test(
        "unknown message types and impossible lengths from the server end that server connection",
        arguments: ServerFault.typesAndLengthsTrusted)
    func untrustedFraming(fault: ServerFault) throws {
        try queryFault(fault)
    }

    @Test(
        "an ErrorResponse without SQLSTATE or terminator ends that server connection",
        arguments: ServerFault.malformedErrorsForwarded)
    func malformedError(fault: ServerFault) throws {
        try queryFault(fault)
    }

    /// Pools are per user: a server that fails one user's logins does not touch another's.
    @Test("a server that breaks the protocol while the proxy logs in: that client gets 08006, others go on",
          arguments: ServerLoginFault.allCases)
    func malformedLogin(fault: ServerLoginFault) throws {
        try withFakeServer { server, proxy in
            let bystander = try proxy.connect()
            defer { bystander.close() }
            let started = Monotonic.now
            let error = try #require(throws: PGError.self) {
                try PGConnection(proxy.conninfo(user: fault.user, password: "fault"), timeout: 15)
            }
            let elapsed = Monotonic.now - started
            // query_wait_timeout_ms = 1500 bounds the wait for a server connection.
            #expect(elapsed < 5, "refused after \(elapsed) s")
            #expect(error.sqlState == .connectionFailure, "\(error)")
            #expect(error.severity == "FATAL", "\(error)")
            if fault == .fatalWithoutSQLState {
                #expect(error.message.contains(ServerFault.serverMessage), "\(error)")
            }
            #expect(server.sessions.contains { $0.user == fault.user })
            #expect(try bystander.exec("SELECT 'still'").scalar == "1")
            let newcomer = try proxy.connect()
            defer { newcomer.close() }
            #expect(try newcomer.exec("SELECT 'new'").scalar == "1")
            #expect(proxy.proxy.isRunning, "\(proxy.proxy.output().suffix(2000))")
        }
    }

    /// PgBouncer 1.6.1 fixed a login broken by a NoticeResponse among the authentication messages
    /// (servers with verbose logging send them).
    @Test("a NoticeResponse during the server login is accepted")
    func noticeDuringLogin() throws {
        let server = try FakePostgresServer(login: { session in
            guard session.user == "notice_during_login" else { return nil }
            let notice = BackendBytes.errorResponse(
                [("S", "NOTICE"), ("V", "NOTICE"), ("C", "00000"), ("M", "verbose logging")], type: "N")
            return notice + FakePostgresServer.standardLogin(processID: 7)
        })
        defer { server.stop() }
        var configuration = ClusterProxyConfiguration(
            servers: [.init(host: "127.0.0.1", port: server.port, role: "primary")], poolSize: 2,
            proxySettings: ["server_tls": "\"disable\""], healthSettings: ["interval_ms": "500"])
        configuration.users.append(.init(name: "notice_during_login", password: "secret"))
        let proxy = try ClusterProxy.start(configuration)
        defer { proxy.stop() }
        let client = try PGConnection(proxy.conninfo(user: "notice_during_login", password: "secret"))
        defer { client.close() }
        #expect(try client.exec("SELECT 'noticed'").scalar == "1")
    }

    /// How a dying replica ends the answer it had begun: see `replicaDyingMidAnswer`.
    enum Farewell: String, CaseIterable, Sendable {
        /// `pg_ctl stop -m immediate`: a 57P01 warning, then the close.
        case immediateShutdownWarning
        /// `pg_terminate_backend`, fast shutdown: a FATAL 57P01 error, then the close.
        case fatalAdminShutdown
        /// A 57P01 warning followed by the rest of the answer, the connection left open.
        case warningThenRestOfAnswer

        var bytes: [UInt8] {
            switch self {
            case .immediateShutdownWarning, .warningThenRestOfAnswer:
                let warning = BackendBytes.errorResponse(
                    [("S", "WARNING"), ("V", "WARNING"), ("C", "57P01"), ("M", "terminating connection due to immediate shutdown command")],
                    type: "N")
                return self == .warningThenRestOfAnswer
                    ? warning + BackendBytes.commandComplete("SELECT 1") + BackendBytes.readyForQuery() : warning
            case .fatalAdminShutdown:
                return BackendBytes.errorResponse(
                    [("S", "FATAL"), ("V", "FATAL"), ("C", "57P01"), ("M", "terminating connection due to administrator command")])
            }
        }
    }

    /// `pg_ctl stop -m immediate` interrupts a query whose RowDescription and first rows may
    /// already sit in the server's send buffer: they leave together with its farewell (57P01),
    /// then the connection closes. None of it is the client's answer yet, so the read runs
    /// again on the other replica and the client sees one clean result.
    @Test(
        "a replica that dies in the middle of an answer: the read is retried on the other one, the client sees no part of it",
        arguments: Farewell.allCases)
    func replicaDyingMidAnswer(farewell: Farewell) throws {
        let text = "SELECT 'which replica'"
        let primary = try FakePostgresServer()
        defer { primary.stop() }
        let dying = try FakePostgresServer(
            inRecovery: true,
            query: { _, query in
                query == text ? BackendBytes.rowDescription(["v"]) + BackendBytes.dataRow(["dying"]) + farewell.bytes : nil
            },
            hangsUpAfter: { $0 == text && farewell != .warningThenRestOfAnswer })
        defer { dying.stop() }
        let healthy = try FakePostgresServer(
            inRecovery: true, query: { _, query in query == text ? BackendBytes.rows(["v"], ["healthy"]) : nil })
        defer { healthy.stop() }
        let configuration = ClusterProxyConfiguration(
            servers: [
                .init(host: "127.0.0.1", port: primary.port, role: "primary"),
                .init(host: "127.0.0.1", port: dying.port, role: "replica"),
                .init(host: "127.0.0.1", port: healthy.port, role: "replica"),
            ],
            poolSize: 4, proxySettings: ["server_tls": "\"disable\""], healthSettings: ["interval_ms": "500"],
            databaseSettings: ["load_balance": "\"round_robin\"", "read_after_write": "\"none\""])
        let proxy = try ClusterProxy.start(configuration)
        defer { proxy.stop() }

        // Round robin sends every other read to the dying replica; each is retried.
        for attempt in 1...6 {
            let client = try proxy.connect()
            defer { client.close() }
            #expect(try client.exec(text).rows == [["healthy"]], "attempt \(attempt)")
        }
        let died = dying.queries.filter { $0.text == text }.count
        #expect(died >= 2, "the dying replica was asked \(died) times")
        #expect(healthy.queries.filter { $0.text == text }.count == 6)
        #expect(primary.queries.allSatisfy { $0.text != text }, "a read ran on the primary")
    }
}
