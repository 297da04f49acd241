// ProxyHostileInputTests: thousands of connections sending malformed, truncated, oversized and
// out-of-place bytes (SPEC §6); each ends in an error or a close in time, a normal client keeps
// working throughout, and the daemon neither crashes nor keeps the memory.
import Foundation
import SwitchyardTesting
import SwitchyardWire
import Synchronization
import Testing

/// A small deterministic generator (SplitMix64), so a failing case can be replayed from its seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}

/// One kind of hostile client. Those before login open a raw TCP connection; those after login
/// log in with libpq and then write on its socket.
enum Attack: String, CaseIterable, Sendable {
    case randomBytes, truncatedStartup, tinyLength, hugeLength, negativeLength, thousandsOfParameters
    case invalidUTF8, garbageAfterSSLRequest, terminateBeforeStartup, cancelWithRandomKey
    case unsupportedProtocol, garbageSASLResponse, unknownSASLMechanism
    case unknownTypeAfterLogin, passwordAfterLogin, tinyLengthAfterLogin, hugeLengthAfterLogin
    case negativeLengthAfterLogin, truncatedAfterLogin, randomBytesAfterLogin

    var isAfterLogin: Bool { rawValue.hasSuffix("AfterLogin") }

    /// Every kind the storm runs: all of them, including an incomplete message followed by an end
    /// of file after login (the end of file arrives with the bytes, in one edge of the socket).
    static var storm: [Attack] { allCases }

    /// Whether the proxy must answer with ErrorResponse 08P01 (a malformed message once logged in).
    var demandsProtocolViolation: Bool {
        isAfterLogin && self != .truncatedAfterLogin && self != .randomBytesAfterLogin
    }
}

@Suite("Proxy hostile input", .serialized)
struct ProxyHostileInputTests {
    static let loginTimeoutMs = 1000

    /// The proxy for hostile clients: a short login timeout, and `app_md5` with an md5 secret, so
    /// that the many logins before after-login attacks cost no PBKDF2 on the test's side (under
    /// load, SCRAM logins of 64 threads on 2 cores can take longer than the login timeout).
    static var configuration: ProxyConfiguration {
        var users = ProxyConfiguration.plaintextTestUsers.filter { $0.name != "app_md5" }
        users.append(.init(name: "app_md5", password: MD5Hash.secret(password: "app_md5", user: "app_md5")))
        return ProxyConfiguration(
            poolSize: 4, users: users,
            proxySettings: ["client_login_timeout_ms": String(loginTimeoutMs), "log_level": "\"error\""])
    }

    /// Runs one attack; returns a description of what went wrong, or `nil`.
    static func attack(_ attack: Attack, seed: UInt64, fixture: ProxyFixture) -> String? {
        var random = SplitMix64(seed: seed)
        let started = Monotonic.now
        var login: PGConnection?
        defer { login?.close() }
        let raw: RawConnection
        do {
            if attack.isAfterLogin {
                let connection = try fixture.connect(user: "app_md5", password: "app_md5")
                login = connection
                raw = RawConnection(borrowing: connection.socketDescriptor)
            } else {
                raw = try RawConnection(port: fixture.port)
            }
        } catch {
            return "\(attack) seed \(seed): could not connect: \(error)"
        }
        defer { raw.close() }

        var leading: [BackendFrame] = []
        switch attack {
        case .randomBytes:
            raw.send(random.bytes(Int.random(in: 1...600, using: &random)))
            if Bool.random(using: &random) { raw.shutdownWrite() }
        case .truncatedStartup:
            let full = FrontendBytes.startup([("user", "app"), ("database", "app"), ("application_name", "cut")])
            raw.send(Array(full.prefix(Int.random(in: 1..<full.count, using: &random))))
            if Bool.random(using: &random) { raw.shutdownWrite() }
        case .tinyLength:
            raw.send(
                FrontendBytes.int32(Int32.random(in: 0...3, using: &random))
                    + FrontendBytes.int32(FrontendBytes.protocolVersion))
        case .hugeLength:
            raw.send(
                FrontendBytes.int32(0x7fff_ffff) + FrontendBytes.int32(FrontendBytes.protocolVersion) + random.bytes(64)
            )
        case .negativeLength:
            let length = [Int32(-1), -8, Int32.min, -100_000].randomElement(using: &random)!
            raw.send(FrontendBytes.int32(length) + FrontendBytes.int32(FrontendBytes.protocolVersion))
        case .thousandsOfParameters:
            let count = Int.random(in: 1_000...5_000, using: &random)
            raw.send(
                FrontendBytes.startup(
                    [("user", "app"), ("database", "app")] + (0..<count).map { ("p\($0)", "v\($0)") }))
        case .invalidUTF8:
            let bad: [[UInt8]] = [
                [0xff, 0xfe, 0x41], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xc0, 0xaf],
            ]
            let name = bad.randomElement(using: &random)!
            let parameters: [([UInt8], [UInt8])] =
                switch Int.random(in: 0..<3, using: &random) {
                case 0: [(Array("user".utf8), name), (Array("database".utf8), Array("app".utf8))]
                case 1: [(Array("user".utf8), Array("app".utf8)), (Array("database".utf8), name)]
                default:
                    [(Array("user".utf8), Array("app".utf8)), (Array("application_name".utf8), name), (name, name)]
                }
            raw.send(FrontendBytes.startup(rawParameters: parameters))
        case .garbageAfterSSLRequest:
            raw.send(FrontendBytes.sslRequest)
            guard raw.readSome(timeout: 2) == .bytes([UInt8(ascii: "N")]) else {
                return "\(attack) seed \(seed): SSLRequest not answered N"
            }
            raw.send(random.bytes(Int.random(in: 1...300, using: &random)))
        case .terminateBeforeStartup:
            raw.send(FrontendBytes.terminate)
        case .cancelWithRandomKey:
            raw.send(
                FrontendBytes.cancelRequest(
                    processID: Int32.random(in: .min ... .max, using: &random),
                    secretKey: Int32.random(in: .min ... .max, using: &random)))
        case .unsupportedProtocol:
            let version = [Int32(2 << 16), Int32(4 << 16), 0, Int32(1 << 16 | 5)].randomElement(using: &random)!
            raw.send(FrontendBytes.startup([("user", "app"), ("database", "app")], version: version))
        case .garbageSASLResponse, .unknownSASLMechanism:
            raw.send(FrontendBytes.startup([("user", "app"), ("database", "app")]))
            let challenge = raw.readFrames(until: UInt8(ascii: "R"), timeout: 2)
            guard challenge.frames.last?.kind == "R" else { return "\(attack) seed \(seed): no challenge" }
            leading = challenge.frames
            if attack == .garbageSASLResponse {
                raw.send(FrontendBytes.message("p", random.bytes(Int.random(in: 0...200, using: &random))))
            } else {
                let data = Array("n,,n=,r=abcdefghijklmnop".utf8)
                raw.send(
                    FrontendBytes.message(
                        "p", FrontendBytes.cString("SCRAM-SHA-1") + FrontendBytes.int32(Int32(data.count)) + data))
            }
        case .unknownTypeAfterLogin:
            let type = Array("abgjkmnoqrwxyz0123456789AJKLMNOTUVWYZ".utf8).randomElement(using: &random)!
            let body = random.bytes(Int.random(in: 0...40, using: &random))
            raw.send([type] + FrontendBytes.int32(Int32(4 + body.count)) + body)
        case .passwordAfterLogin:
            raw.send(FrontendBytes.password("app"))
        case .tinyLengthAfterLogin:
            raw.send([UInt8(ascii: "Q")] + FrontendBytes.int32(Int32.random(in: 0...3, using: &random)) + [0])
        case .hugeLengthAfterLogin:
            raw.send([UInt8(ascii: "Q")] + FrontendBytes.int32(0x7fff_ffff) + Array("SELECT 1".utf8))
        case .negativeLengthAfterLogin:
            raw.send(
                [UInt8(ascii: "P")]
                    + FrontendBytes.int32([Int32(-1), Int32.min, -70_000].randomElement(using: &random)!))
        case .truncatedAfterLogin:
            let full = FrontendBytes.parse(name: "t", sql: "SELECT 1") + FrontendBytes.sync
            raw.send(Array(full.prefix(Int.random(in: 1..<full.count, using: &random))))
            raw.shutdownWrite()
        case .randomBytesAfterLogin:
            raw.send(random.bytes(Int.random(in: 1...200, using: &random)))
            raw.shutdownWrite()
        }

        // Before login, the login timeout bounds every wait; after login, malformed input ends
        // the session at once (and a half-closed client is an end of file).
        let limit = (attack.isAfterLogin ? 2.0 : Double(loginTimeoutMs) / 1000 + 1.5) * AddressSanitizer.timeScale
        let end = raw.readUntilClosed(timeout: limit + 1)
        let elapsed = Monotonic.now - started
        let frames = leading + end.frames
        let kinds = String(frames.map(\.kind))
        guard end.closed, elapsed <= limit else {
            return "\(attack) seed \(seed): still open after \(elapsed) s (frames \(kinds))"
        }
        let unexpected = frames.filter { !"ERv".contains($0.kind) && !attack.isAfterLogin }
        if !unexpected.isEmpty { return "\(attack) seed \(seed): unexpected frames \(kinds)" }
        for frame in frames where frame.kind == "E" && frame.errorFields["S"] != "FATAL" {
            return "\(attack) seed \(seed): error that is not FATAL \(frame.errorFields)"
        }
        if attack.demandsProtocolViolation && !frames.contains(where: { $0.sqlState == "08P01" }) {
            return "\(attack) seed \(seed): no 08P01 before the close (frames \(kinds), rest \(end.rest.count) bytes)"
        }
        return nil
    }

    /// Runs `count` attacks on `threads` threads, cycling through every kind.
    static func storm(_ fixture: ProxyFixture, count: Int, threads: Int, seed: UInt64) -> [String] {
        let problems = Mutex<[String]>([])
        let kinds = Attack.storm
        let failures = concurrently(threads) { thread in
            for index in stride(from: thread, to: count, by: threads) {
                if let problem = attack(kinds[index % kinds.count], seed: seed &+ UInt64(index), fixture: fixture) {
                    problems.withLock { $0.append(problem) }
                }
            }
        }
        return problems.withLock { $0 } + failures.map { "thread \($0.0): \($0.1)" }
    }

    @Test("2,000 hostile connections: each errors or closes in time, a normal client keeps working, memory returns")
    func hostileStorm() throws {
        let fixture = try ProxyFixture.start(Self.configuration)
        defer { fixture.stop() }
        let seed = UInt64.random(in: 0...UInt64.max)

        // The bystander: an ordinary client, logged in first, running statements the whole time.
        let stop = Atomic(false)
        let answered = Atomic(0)
        let bystanderErrors = Mutex<[String]>([])
        let loggedIn = DispatchSemaphore(value: 0)
        let bystander = Thread {
            do {
                let connection: PGConnection
                do {
                    defer { loggedIn.signal() }
                    connection = try fixture.connect()
                }
                defer { connection.close() }
                var round = 0
                while !stop.load(ordering: .relaxed) {
                    round += 1
                    let value = String(round)
                    let simple = try connection.exec("SELECT \(value)").scalar
                    let extended = try connection.execParams("SELECT $1::int", params: [value]).scalar
                    guard simple == value, extended == value else {
                        throw PGError(kind: .client, message: "round \(round): \(simple ?? "-") \(extended ?? "-")")
                    }
                    answered.add(1, ordering: .relaxed)
                    usleep(5_000)
                }
            } catch {
                bystanderErrors.withLock {
                    $0.append("\(String(reflecting: error)) after \(answered.load(ordering: .relaxed)) rounds")
                }
            }
        }
        bystander.start()
        loggedIn.wait()

        // A first round lets the allocator and buffer pools reach their working size.
        let warmUp = Self.storm(fixture, count: 200, threads: 50, seed: seed)
        usleep(1_000_000)
        let before = try #require(fixture.residentKilobytes())
        let problems = Self.storm(fixture, count: 2_000, threads: 64, seed: seed &+ 1_000_000)
        usleep(1_000_000)
        let after = try #require(fixture.residentKilobytes())

        stop.store(true, ordering: .relaxed)
        while bystander.isExecuting { usleep(5_000) }
        #expect(warmUp.isEmpty, "seed \(seed): \(warmUp.prefix(10))")
        #expect(problems.isEmpty, "seed \(seed): \(problems.count) problems, e.g. \(problems.prefix(10))")
        #expect(
            bystanderErrors.withLock { $0 }.isEmpty,
            "\(bystanderErrors.withLock { $0 })\n\(fixture.proxy.output().suffix(3000))")
        #expect(answered.load(ordering: .relaxed) > 20)
        #expect(fixture.proxy.isRunning, "\(fixture.proxy.output().suffix(2000))")
        // AddressSanitizer's quarantine keeps freed memory resident: no bound there.
        #expect(AddressSanitizer.isActive || after - before <= 16 * 1024, "RSS grew from \(before) kB to \(after) kB")
        let fresh = try fixture.connect()
        defer { fresh.close() }
        #expect(try fresh.exec("SELECT 'still serving'").scalar == "still serving")
    }

}

@Suite(
    "Proxy hostile input, one kind at a time",
    .sharedProxy(ProxyHostileInputTests.configuration)
)
struct ProxySingleAttackTests {
    /// The storm's attacks one kind at a time, so a regression points at its kind.
    @Test("each kind of hostile input alone ends in an error or a close", arguments: Attack.storm)
    func singleAttack(kind: Attack) throws {
        let fixture = try SharedProxy.fixture()
        for seed in UInt64(1)...3 {
            #expect(ProxyHostileInputTests.attack(kind, seed: seed, fixture: fixture) == nil)
        }
        #expect(fixture.proxy.isRunning)
    }
}
