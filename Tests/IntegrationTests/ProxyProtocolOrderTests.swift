// ProxyProtocolOrderTests: messages out of the protocol's order and malformed messages, sent to the
// proxy and to PostgreSQL itself; the proxy answers as the server does, or with 08P01 and a close.
import Foundation
import SwitchyardTesting
import Testing

/// Bytes a client sends in place of something well-formed, with a name for the test report.
struct ProtocolCase: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]

    init(_ name: String, _ bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }

    var testDescription: String { name }
}

/// What came back for a case: the frames, and whether the peer closed or stayed silent.
struct ProtocolOutcome: CustomStringConvertible {
    var frames: [BackendFrame]
    var closed: Bool
    var timedOut: Bool

    var kinds: String { String(frames.map(\.kind)) }
    var errors: [BackendFrame] { frames.filter { $0.kind == "E" } }
    var description: String {
        let states = errors.map { "\($0.errorFields["S"] ?? "?") \($0.sqlState ?? "-") \($0.errorFields["M"] ?? "")" }
        return "\(kinds) \(states) \(closed ? "closed" : timedOut ? "silent" : "open")"
    }

    /// Why the proxy's outcome does not pass for PostgreSQL's, or `nil` when it does.
    ///
    /// The proxy must answer exactly as the server does when the server raises no error. When the
    /// server raises one, the proxy raises the same SQLSTATE first; it may then close the client
    /// with that error as FATAL where the server goes on (SPEC §6: a malformed message gets 08P01
    /// and a close). When the server closes without a word, the proxy closes too, after at most a
    /// FATAL 08P01.
    static func mismatch(proxy: ProtocolOutcome, postgres: ProtocolOutcome) -> String? {
        if proxy.timedOut { return "the proxy neither answered nor closed" }
        if postgres.closed {
            guard proxy.closed else { return "the server closes, the proxy stays open" }
            if let expected = postgres.errors.first {
                guard proxy.errors.first?.sqlState == expected.sqlState else { return "SQLSTATE differs" }
            } else if !proxy.errors.allSatisfy({ $0.sqlState == "08P01" }) {
                return "the server closes silently; the proxy's error is not 08P01"
            }
            return proxy.errors.allSatisfy { $0.errorFields["S"] == "FATAL" } ? nil : "an error before the close is not FATAL"
        }
        guard let expected = postgres.errors.first else {
            return proxy.kinds == postgres.kinds && !proxy.closed ? nil : "the answer differs"
        }
        guard let first = proxy.errors.first, first.sqlState == expected.sqlState else { return "SQLSTATE differs" }
        if proxy.closed { return first.errorFields["S"] == "FATAL" ? nil : "closed after an error that is not FATAL" }
        return proxy.kinds == postgres.kinds ? nil : "the answer differs"
    }
}

@Suite("Proxy: messages out of order and malformed, beside PostgreSQL", .serialized, .sharedProxy())
struct ProxyProtocolOrderTests {
    /// A simple query the marker answers with, to tell the end of a case's answer.
    static let marker = "SELECT 'end of case'"

    // MARK: - After login

    /// Messages a logged-in client sends; each is followed by Sync and the marker query.
    static let afterLogin: [ProtocolCase] = [
        ProtocolCase("Sync before anything", FrontendBytes.sync),
        ProtocolCase("Flush before anything", FrontendBytes.flush),
        ProtocolCase("CopyData outside COPY", FrontendBytes.message("d", Array("1\tx\n".utf8))),
        ProtocolCase("CopyDone outside COPY", FrontendBytes.message("c")),
        ProtocolCase("CopyFail outside COPY", FrontendBytes.message("f", FrontendBytes.cString("stop"))),
        ProtocolCase("PasswordMessage after login", FrontendBytes.password("app")),
        ProtocolCase("unknown message type", FrontendBytes.message("y", Array("abc".utf8))),
        ProtocolCase("Query without its terminator", FrontendBytes.message("Q", Array("SELECT 1".utf8))),
        ProtocolCase("Query with two strings", FrontendBytes.message("Q", FrontendBytes.cString("SELECT 1") + FrontendBytes.cString("SELECT 2"))),
        ProtocolCase("Parse without terminators", FrontendBytes.message("P", Array("s1\0SELECT 1".utf8))),
        ProtocolCase("Parse without its parameter count", FrontendBytes.message("P", FrontendBytes.cString("s1") + FrontendBytes.cString("SELECT 1"))),
        ProtocolCase("Bind without terminators", FrontendBytes.message("B", [0] + Array("s1".utf8))),
        ProtocolCase("Describe without terminator", FrontendBytes.message("D", Array("Ss1".utf8))),
        ProtocolCase("Describe of an unknown kind", FrontendBytes.message("D", [UInt8(ascii: "X")] + FrontendBytes.cString("s1"))),
        ProtocolCase("Close without terminator", FrontendBytes.message("C", Array("Ss1".utf8))),
        ProtocolCase("Execute without terminator", FrontendBytes.message("E", Array("portal".utf8))),
        ProtocolCase("Query with length 0", [UInt8(ascii: "Q")] + FrontendBytes.int32(0)),
        ProtocolCase("Query with length 3", [UInt8(ascii: "Q")] + FrontendBytes.int32(3) + [0, 0, 0]),
        ProtocolCase("Query with length -1", [UInt8(ascii: "Q")] + FrontendBytes.int32(-1)),
        ProtocolCase("Query with length 2^31 (negative)", [UInt8(ascii: "Q")] + FrontendBytes.int32(Int32.min)),
        ProtocolCase("Query announcing 2^31-1 bytes", [UInt8(ascii: "Q")] + FrontendBytes.int32(Int32.max) + Array("SELECT 1".utf8)),
    ]

    /// Cases refused from the type byte alone, and empty messages given a body (see the tests).
    static let messageTypeCheckedLate: [ProtocolCase] = [
        ProtocolCase("StartupMessage after login", FrontendBytes.startup([("user", "app"), ("database", "app")])),
        ProtocolCase("SSLRequest after login", FrontendBytes.sslRequest),
        ProtocolCase("unknown message type announcing 1 MB", [UInt8(ascii: "y")] + FrontendBytes.int32(1 << 20) + Array("abc".utf8)),
    ]
    static let bodiesIgnored: [ProtocolCase] = [
        ProtocolCase("Sync with a body", FrontendBytes.message("S", Array("xx".utf8))),
        ProtocolCase("Flush with a body", FrontendBytes.message("H", Array("xx".utf8))),
    ]

    /// Sends `bytes`, Sync and the marker on a logged-in connection; reads until the marker's
    /// ReadyForQuery, a close, or 3 s of silence.
    private static func outcome(afterLogin bytes: [UInt8], on connection: PGConnection) -> ProtocolOutcome {
        let raw = RawConnection(borrowing: connection.socketDescriptor)
        raw.send(bytes + FrontendBytes.sync + FrontendBytes.query(marker))
        var frames: [BackendFrame] = []
        let deadline = Monotonic.now + 3
        while true {
            let read = raw.readFrames(until: UInt8(ascii: "Z"), timeout: max(deadline - Monotonic.now, 0))
            frames += read.frames
            if read.closed || read.timedOut {
                return ProtocolOutcome(frames: frames, closed: read.closed, timedOut: read.timedOut)
            }
            // The marker's ReadyForQuery follows its DataRow.
            if frames.contains(where: { $0.dataRowValues == ["end of case"] }) {
                return ProtocolOutcome(frames: frames, closed: false, timedOut: false)
            }
        }
    }

    private func compareAfterLogin(_ testCase: ProtocolCase) throws {
        let fixture = try SharedProxy.fixture()
        let direct = try fixture.connectDirect()
        defer { direct.close() }
        let proxied = try fixture.connect()
        defer { proxied.close() }
        let postgres = Self.outcome(afterLogin: testCase.bytes, on: direct)
        let proxy = Self.outcome(afterLogin: testCase.bytes, on: proxied)
        #expect(!postgres.timedOut, "PostgreSQL: \(postgres)")
        let mismatch = ProtocolOutcome.mismatch(proxy: proxy, postgres: postgres)
        #expect(mismatch == nil, "\(mismatch ?? ""): PostgreSQL \(postgres), proxy \(proxy)")
        // Nobody else is affected.
        let bystander = try fixture.connect()
        defer { bystander.close() }
        #expect(try bystander.exec("SELECT 'unaffected'").scalar == "unaffected")
    }

    @Test("after login: answered as PostgreSQL answers, or 08P01 and a close", arguments: afterLogin)
    func afterLoginCase(_ testCase: ProtocolCase) throws {
        try compareAfterLogin(testCase)
    }

    @Test(
        "after login: a message of no known type is refused at once, before its body arrives",
        arguments: messageTypeCheckedLate)
    func unknownTypeRefusedEarly(_ testCase: ProtocolCase) throws {
        try compareAfterLogin(testCase)
    }

    @Test(
        "after login: Sync and Flush with a body get 08P01 as on the server",
        arguments: bodiesIgnored)
    func bodiesOfEmptyMessages(_ testCase: ProtocolCase) throws {
        try compareAfterLogin(testCase)
    }

    // MARK: - Before login

    /// Startup-phase packets on which PostgreSQL and the proxy must agree.
    static let beforeLogin: [ProtocolCase] = [
        ProtocolCase("length 0", FrontendBytes.int32(0)),
        ProtocolCase("length 3", FrontendBytes.int32(3) + FrontendBytes.int32(FrontendBytes.protocolVersion)),
        ProtocolCase("length 7", FrontendBytes.int32(7) + FrontendBytes.int32(FrontendBytes.protocolVersion)),
        ProtocolCase("length -1", FrontendBytes.int32(-1) + FrontendBytes.int32(FrontendBytes.protocolVersion)),
        ProtocolCase("length 2^31 (negative)", FrontendBytes.int32(Int32.min) + FrontendBytes.int32(FrontendBytes.protocolVersion)),
        ProtocolCase("length 2^31-1", FrontendBytes.int32(Int32.max) + FrontendBytes.int32(FrontendBytes.protocolVersion)),
        ProtocolCase("5,000 parameters (over 10,000 bytes)",
                     FrontendBytes.startup([("user", "app")] + (0..<5_000).map { ("p\($0)", "v") })),
        ProtocolCase("no terminator after the parameters", Self.unterminatedStartup(dropping: 1)),
        ProtocolCase("a parameter value without terminator", FrontendBytes.startupPacket(
            code: FrontendBytes.protocolVersion, body: Array("user\0app".utf8))),
        ProtocolCase("no user", FrontendBytes.startup([("database", "app")])),
        ProtocolCase("empty user", FrontendBytes.startup([("user", ""), ("database", "app")])),
        ProtocolCase("the user twice", FrontendBytes.startup([("user", "nobody"), ("database", "app"), ("user", "app")])),
        ProtocolCase("PasswordMessage first", FrontendBytes.password("app")),
        ProtocolCase("Query first", FrontendBytes.query("SELECT 1")),
        ProtocolCase("CancelRequest too short", FrontendBytes.startupPacket(code: FrontendBytes.cancelRequestCode, body: FrontendBytes.int32(1))),
        ProtocolCase("CancelRequest too long", FrontendBytes.startupPacket(
            code: FrontendBytes.cancelRequestCode, body: FrontendBytes.int32(1) + FrontendBytes.int32(2) + FrontendBytes.int32(3))),
        ProtocolCase("protocol 3.5", FrontendBytes.startup([("user", "app"), ("database", "app")], version: 3 << 16 | 5)),
    ]

    /// A StartupMessage for `app` without its last `count` bytes, its length saying so.
    static func unterminatedStartup(dropping count: Int) -> [UInt8] {
        let full = FrontendBytes.startup([("user", "app"), ("database", "app")])
        return FrontendBytes.int32(Int32(full.count - count)) + full[4..<(full.count - count)]
    }

    /// Sends `bytes` on a new connection to `port`; reads until an authentication request, a
    /// close, or 3 s of silence.
    private static func outcome(beforeLogin bytes: [UInt8], port: Int) throws -> ProtocolOutcome {
        let raw = try RawConnection(port: port)
        defer { raw.close() }
        raw.send(bytes)
        let read = raw.readFrames(until: UInt8(ascii: "R"), timeout: 3)
        return ProtocolOutcome(frames: read.frames, closed: read.closed, timedOut: read.timedOut)
    }

    @Test("before login: answered as PostgreSQL answers, or a close with at most 08P01", arguments: beforeLogin)
    func beforeLoginCase(_ testCase: ProtocolCase) throws {
        let fixture = try SharedProxy.fixture()
        let postgres = try Self.outcome(beforeLogin: testCase.bytes, port: fixture.primary.port)
        let proxy = try Self.outcome(beforeLogin: testCase.bytes, port: fixture.port)
        let mismatch = ProtocolOutcome.mismatch(proxy: proxy, postgres: postgres)
        #expect(mismatch == nil, "\(mismatch ?? ""): PostgreSQL \(postgres), proxy \(proxy)")
    }

    /// Startup packets PostgreSQL 15 lets through to authentication, which the proxy refuses
    /// outright: names and values that are not UTF-8 (the proxy's strings are), more than 1,000
    /// parameters (`StartupMessage.maximumParameterCount`).
    static let refusedBeforeLogin: [ProtocolCase] = [
        ProtocolCase("user not UTF-8", FrontendBytes.startup(rawParameters: [(Array("user".utf8), [0xff, 0xfe]), (Array("database".utf8), Array("app".utf8))])),
        ProtocolCase("database not UTF-8", FrontendBytes.startup(rawParameters: [(Array("user".utf8), Array("app".utf8)), (Array("database".utf8), [0xc3, 0x28])])),
        ProtocolCase("application_name a UTF-16 surrogate", FrontendBytes.startup(rawParameters: [(Array("user".utf8), Array("app".utf8)), (Array("application_name".utf8), [0xed, 0xa0, 0x80])])),
        ProtocolCase("parameter name not UTF-8", FrontendBytes.startup(rawParameters: [(Array("user".utf8), Array("app".utf8)), ([0xc0, 0xaf], Array("x".utf8))])),
        ProtocolCase("1,001 parameters", FrontendBytes.startup([("user", "app")] + (0..<1_000).map { ("p\($0)", "v") })),
    ]

    @Test("before login: parameters that are not UTF-8, and too many of them, get FATAL 08P01 and a close",
          arguments: refusedBeforeLogin)
    func refusedStartup(_ testCase: ProtocolCase) throws {
        let fixture = try SharedProxy.fixture()
        let proxy = try Self.outcome(beforeLogin: testCase.bytes, port: fixture.port)
        #expect(proxy.closed, "\(proxy)")
        #expect(proxy.errors.count == 1 && proxy.frames.count == 1, "\(proxy)")
        #expect(proxy.errors.first?.sqlState == "08P01", "\(proxy)")
        #expect(proxy.errors.first?.errorFields["S"] == "FATAL", "\(proxy)")
    }

    /// PostgreSQL negotiates encryption once: after its `N` a second SSLRequest reads as a
    /// StartupMessage of protocol 1234.5679 (ProcessStartupPacket with ssl_done), FATAL 0A000.
    @Test("a second SSLRequest after N is refused with FATAL 0A000, as PostgreSQL refuses it")
    func secondSSLRequest() throws {
        let fixture = try SharedProxy.fixture()
        for port in [fixture.primary.port, fixture.port] {
            let raw = try RawConnection(port: port)
            defer { raw.close() }
            raw.send(FrontendBytes.sslRequest)
            #expect(raw.readSome(timeout: 3) == .bytes([UInt8(ascii: "N")]), "port \(port)")
            raw.send(FrontendBytes.sslRequest)
            let answer = raw.readUntilClosed(timeout: 3)
            #expect(answer.closed, "port \(port)")
            #expect(answer.frames.map(\.sqlState) == ["0A000"], "port \(port): \(answer.frames.map(\.errorFields))")
        }
    }

    /// PostgreSQL 15 answers a StartupMessage of protocol 4.0 with FATAL 0A000 ("unsupported
    /// frontend protocol 4.0: server supports 3.0 to 3.0").
    @Test("a StartupMessage of protocol 4.0 gets FATAL 0A000 as on the server")
    func protocolFour() throws {
        let fixture = try SharedProxy.fixture()
        let bytes = FrontendBytes.startup([("user", "app"), ("database", "app")], version: 4 << 16)
        let postgres = try Self.outcome(beforeLogin: bytes, port: fixture.primary.port)
        let proxy = try Self.outcome(beforeLogin: bytes, port: fixture.port)
        #expect(postgres.errors.first?.sqlState == "0A000")
        let mismatch = ProtocolOutcome.mismatch(proxy: proxy, postgres: postgres)
        #expect(mismatch == nil, "\(mismatch ?? ""): PostgreSQL \(postgres), proxy \(proxy)")
    }
}
