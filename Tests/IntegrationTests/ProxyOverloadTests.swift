// ProxyOverloadTests: floods and crowds (SPEC §6, issue "hostile input and overload"): cancel
// floods, thousands of idle clients, login storms, a client that never reads, and clients
// announcing large messages; the daemon keeps serving with flat memory and descriptors.
import Foundation
import Glibc
import SwitchyardCrypto
import SwitchyardTesting
import Synchronization
import Testing

/// Resident-size bounds hold for normal builds; under AddressSanitizer they are skipped (see
/// `AddressSanitizer.isActive`) and everything else is checked.
@Suite("Proxy under overload", .serialized)
struct ProxyOverloadTests {
    /// `app_md5` with an md5 secret: logins that cost the test no PBKDF2, for crowds of clients.
    static func md5Configuration(poolSize: Int = 4, proxySettings: [String: String] = [:]) -> ProxyConfiguration {
        var users = ProxyConfiguration.plaintextTestUsers.filter { $0.name != "app_md5" }
        users.append(.init(name: "app_md5", password: MD5Hash.secret(password: "app_md5", user: "app_md5")))
        return ProxyConfiguration(poolSize: poolSize, users: users, proxySettings: proxySettings)
    }

    /// Open file descriptors of process `pid` (entries of /proc/PID/fd).
    static func openDescriptors(_ pid: pid_t) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    /// Raises this process's soft RLIMIT_NOFILE to its hard limit; returns the soft limit in effect.
    static func raiseOpenFileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return limit.rlim_cur >= rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)
    }

    /// Logs in as `app_md5` on a raw connection and runs `SELECT 1`; retries with a new
    /// connection when the salt has a zero byte (which libpq's md5 helper cannot hash).
    static func idleClient(port: Int) throws -> RawConnection {
        for _ in 0..<4 {
            let raw = try RawConnection(port: port)
            do {
                _ = try raw.loginMD5(user: "app_md5", password: "app_md5", parameters: [("database", "app")])
            } catch let error as RawLoginError where error.reason == "salt with a zero byte" {
                raw.close()
                continue
            }
            raw.send(FrontendBytes.query("SELECT 1"))
            let answer = raw.readFrames(until: UInt8(ascii: "Z"), timeout: 10)
            guard answer.frames.contains(where: { $0.dataRowValues == ["1"] }) else {
                throw PGError(kind: .client, message: "SELECT 1 answered \(answer.frames.map(\.kind))")
            }
            return raw
        }
        throw PGError(kind: .client, message: "four salts with a zero byte")
    }

    /// Runs `SELECT 1` `count` times; returns the latencies in milliseconds, sorted.
    static func latencies(_ connection: PGConnection, count: Int) throws -> [Double] {
        var result: [Double] = []
        for _ in 0..<count {
            let started = Monotonic.now
            guard try connection.exec("SELECT 1").scalar == "1" else { throw PGError(kind: .client, message: "SELECT 1") }
            result.append((Monotonic.now - started) * 1000)
        }
        return result.sorted()
    }

    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
    }

    static func format(_ value: Double) -> String { String(format: "%.2f", value) }

    // MARK: - Cancel flood

    @Test("10,000 CancelRequests with random keys in a few seconds: others keep working, memory and descriptors flat")
    func cancelFlood() throws {
        let fixture = try ProxyFixture.start(ProxyConfiguration(poolSize: 4, proxySettings: ["log_level": "\"error\""]))
        defer { fixture.stop() }

        // A client whose statements run all along; a random key must cancel none of them.
        let stop = Atomic(false)
        let rounds = Atomic(0)
        let sleeperErrors = Mutex<[String]>([])
        let sleeper = Thread {
            do {
                let connection = try fixture.connect()
                defer { connection.close() }
                while !stop.load(ordering: .relaxed) {
                    guard try connection.exec("SELECT 'slept' FROM pg_sleep(0.2)").scalar == "slept" else {
                        throw PGError(kind: .client, message: "wrong answer")
                    }
                    rounds.add(1, ordering: .relaxed)
                }
            } catch {
                sleeperErrors.withLock { $0.append("\(error)") }
            }
        }
        sleeper.start()
        defer {
            stop.store(true, ordering: .relaxed)
            while sleeper.isExecuting { usleep(10_000) }
        }

        /// Sends `count` CancelRequests with random keys on `threads` threads; returns the problems.
        func flood(_ count: Int, threads: Int) -> [String] {
            let problems = Mutex<[String]>([])
            let failures = concurrently(threads) { thread in
                var random = SystemRandomNumberGenerator()
                for _ in stride(from: thread, to: count, by: threads) {
                    let raw = try RawConnection(port: fixture.port)
                    defer { raw.close() }
                    raw.send(
                        FrontendBytes.cancelRequest(
                            processID: Int32.random(in: .min ... .max, using: &random),
                            secretKey: Int32.random(in: .min ... .max, using: &random)))
                    // The proxy closes a cancel connection without a word.
                    let end = raw.readUntilClosed(timeout: 5)
                    if !end.closed || !end.frames.isEmpty {
                        problems.withLock { $0.append("closed \(end.closed), frames \(end.frames.map(\.kind))") }
                    }
                }
            }
            return problems.withLock { $0 } + failures.map { "thread \($0.0): \($0.1)" }
        }

        #expect(flood(500, threads: 8).isEmpty)
        usleep(300_000)
        let rssBefore = try #require(fixture.residentKilobytes())
        let descriptorsBefore = Self.openDescriptors(fixture.proxy.pid)
        let started = Monotonic.now
        let problems = flood(10_000, threads: 8)
        let elapsed = Monotonic.now - started
        #expect(problems.isEmpty, "\(problems.count) problems, e.g. \(problems.prefix(5))")
        // Loose on purpose: the machine is shared; the rate is printed below.
        #expect(elapsed < 60, "10,000 cancel requests took \(elapsed) s")

        let roundsDuringFlood = rounds.load(ordering: .relaxed)
        usleep(500_000)
        let rssAfter = try #require(fixture.residentKilobytes())
        #expect(
            try waitUntil(timeout: 5) { Self.openDescriptors(fixture.proxy.pid) <= descriptorsBefore },
            "descriptors \(descriptorsBefore) -> \(Self.openDescriptors(fixture.proxy.pid))")
        #expect(AddressSanitizer.isActive || rssAfter - rssBefore <= 4 * 1024, "RSS \(rssBefore) kB -> \(rssAfter) kB")
        #expect(sleeperErrors.withLock { $0 }.isEmpty, "\(sleeperErrors.withLock { $0 })")
        #expect(roundsDuringFlood > 0)
        #expect(fixture.proxy.isRunning)
        print(
            """
            ProxyOverloadTests.cancelFlood: 10,000 cancel requests in \(Self.format(elapsed)) s \
            (\(Int(10_000 / elapsed))/s); RSS \(rssBefore) -> \(rssAfter) kB; descriptors \(descriptorsBefore) -> \
            \(Self.openDescriptors(fixture.proxy.pid)); \(roundsDuringFlood) pg_sleep rounds, none cancelled
            """)
    }

    // MARK: - Idle clients

    /// The 10,000-client version, beside PgBouncer, is `benchmarks/idle_clients.py`.
    @Test("2,000 idle clients held open: an active client's latency stays normal, little memory per idle client")
    func idleClients() throws {
        let count = 2_000
        let ownLimit = Self.raiseOpenFileLimit()
        try #require(ownLimit >= count + 512, "RLIMIT_NOFILE of the test process is \(ownLimit)")
        let fixture = try ProxyFixture.start(Self.md5Configuration())
        defer { fixture.stop() }
        // The daemon raises its own limit at start-up and logs the limit in effect.
        let logged = try #require(
            fixture.proxy.output().split(separator: "\n").first { $0.contains("open file limit") },
            "\(fixture.proxy.output().prefix(2000))")
        let limit = try #require(logged.firstMatch(of: /limit=(\d+)/).flatMap { Int($0.1) }, "\(logged)")
        #expect(limit >= 2 * count && limit <= ownLimit, "\(logged)")

        let active = try fixture.connect()
        defer { active.close() }
        _ = try Self.latencies(active, count: 50)
        let quiet = try Self.latencies(active, count: 300)
        let rssBefore = try #require(fixture.residentKilobytes())
        let descriptorsBefore = Self.openDescriptors(fixture.proxy.pid)
        let backendsBefore = try fixture.serverBackendCount()

        let clients = ClientCrowd()
        let started = Monotonic.now
        let failures = concurrently(8) { thread in
            for _ in stride(from: thread, to: count, by: 8) {
                clients.append(try Self.idleClient(port: fixture.port))
            }
        }
        let opened = Monotonic.now - started
        defer { clients.closeAll() }
        try #require(failures.isEmpty, "\(failures.count) clients failed, e.g. \(failures.prefix(3).map { "\($0.1)" })")
        #expect(clients.count == count)

        usleep(500_000)
        let crowded = try Self.latencies(active, count: 300)
        let rssHeld = try #require(fixture.residentKilobytes())
        let descriptorsHeld = Self.openDescriptors(fixture.proxy.pid)
        let perClient = Double(rssHeld - rssBefore) * 1024 / Double(count)
        #expect(descriptorsHeld >= descriptorsBefore + count, "descriptors \(descriptorsBefore) -> \(descriptorsHeld)")
        // Idle clients cost the loops nothing: the active client's median stays where it was.
        let quietMedian = Self.percentile(quiet, 0.5)
        let crowdedMedian = Self.percentile(crowded, 0.5)
        #expect(crowdedMedian <= max(3 * quietMedian, quietMedian + 2), "median \(quietMedian) ms -> \(crowdedMedian) ms")
        #expect(AddressSanitizer.isActive || perClient <= 16 * 1024, "\(Int(perClient)) bytes of RSS per idle client")

        // Every idle client is still served.
        let served = clients.prefix(20).filter { client in
            client.send(FrontendBytes.query("SELECT 2"))
            return client.readFrames(until: UInt8(ascii: "Z"), timeout: 5).frames.contains { $0.dataRowValues == ["2"] }
        }
        #expect(served.count == 20)
        clients.closeAll()
        // What stays is the idle clients' pool: server connections, counted on the server.
        let poolGrowth = try fixture.serverBackendCount() - backendsBefore
        #expect(
            try waitUntil(timeout: 10) { Self.openDescriptors(fixture.proxy.pid) <= descriptorsBefore + poolGrowth },
            "descriptors \(descriptorsBefore) -> \(Self.openDescriptors(fixture.proxy.pid)), \(poolGrowth) more server connections")
        print(
            """
            ProxyOverloadTests.idleClients: \(count) clients opened in \(Self.format(opened)) s; SELECT 1 p50/p99 \
            \(Self.format(quietMedian))/\(Self.format(Self.percentile(quiet, 0.99))) ms alone, \
            \(Self.format(crowdedMedian))/\(Self.format(Self.percentile(crowded, 0.99))) ms beside them; RSS \
            \(rssBefore) -> \(rssHeld) kB (\(Int(perClient)) bytes per idle client); daemon's open file limit \(limit)
            """)
    }

    // MARK: - Login storm

    /// A SCRAM-SHA-256 secret in pg_authid's form with `iterations`, from RFC 5802 §3 (SaltedPassword
    /// = Hi(password, salt, i); ClientKey = HMAC(SaltedPassword, "Client Key"); StoredKey = H(ClientKey);
    /// ServerKey = HMAC(SaltedPassword, "Server Key")). libpq checks the proxy's side of every
    /// login made with it, so a wrong secret fails the test rather than passing it.
    static func scramSecret(password: String, iterations: Int) -> String {
        let salt = Array("storm salt 16 b.".utf8)
        let salted = pbkdf2SHA256(password: Array(password.utf8), salt: salt, iterations: iterations)
        let clientKey = hmacSHA256(key: salted, data: Array("Client Key".utf8))
        let serverKey = hmacSHA256(key: salted, data: Array("Server Key".utf8))
        func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
        return "SCRAM-SHA-256$\(iterations):\(base64(salt))$\(base64(sha256(clientKey))):\(base64(serverKey))"
    }

    /// The proxy keeps StoredKey and ServerKey, so its share of a SCRAM login is a few HMACs
    /// whatever the iteration count; the client's PBKDF2 is not. With PostgreSQL's 4096 iterations
    /// a thousand clients a second would need more than this machine's two cores for libpq alone,
    /// so the storm's user has a secret of 16 iterations. Its server login uses the cluster's
    /// own credentials (`app`).
    @Test("a login storm of 1,000 SCRAM logins a second for 3 s, each running SELECT 1: all succeed, nothing leaks")
    func loginStorm() throws {
        let target = 1_000
        let seconds = 3.0
        var configuration = ProxyConfiguration(
            poolSize: 4,
            clusters: [.init(name: "storm", serverUser: "app", serverPassword: "app", poolSize: 8)],
            proxySettings: ["log_level": "\"warning\"", "client_login_timeout_ms": "10000"])
        configuration.users.append(.init(name: "storm", password: Self.scramSecret(password: "storm", iterations: 16)))
        let fixture = try ProxyFixture.start(configuration)
        defer { fixture.stop() }
        let conninfo = fixture.conninfo(user: "storm", password: "storm", database: "storm")

        /// Logs in `total` clients at `rate` a second on `threads` threads, each running SELECT 1
        /// and leaving; returns the failures and the seconds taken.
        func storm(total: Int, rate: Int, threads: Int) -> (failures: [String], elapsed: Double) {
            let next = Atomic(0)
            let failures = Mutex<[String]>([])
            let started = Monotonic.now
            let errors = concurrently(threads) { _ in
                while true {
                    let index = next.add(1, ordering: .relaxed).oldValue
                    guard index < total else { return }
                    let due = started + Double(index) / Double(rate)
                    let wait = due - Monotonic.now
                    if wait > 0 { usleep(useconds_t(wait * 1_000_000)) }
                    do {
                        let connection = try PGConnection(conninfo, timeout: 15)
                        defer { connection.close() }
                        guard try connection.exec("SELECT 1").scalar == "1" else {
                            throw PGError(kind: .client, message: "SELECT 1 gave another answer")
                        }
                    } catch {
                        failures.withLock { $0.append("login \(index): \(error)") }
                    }
                }
            }
            return (failures.withLock { $0 } + errors.map { "\($0.1)" }, Monotonic.now - started)
        }

        let warmUp = storm(total: 300, rate: target, threads: 16)
        #expect(warmUp.failures.isEmpty, "\(warmUp.failures.prefix(5))")
        usleep(500_000)
        let rssBefore = try #require(fixture.residentKilobytes())
        let descriptorsBefore = Self.openDescriptors(fixture.proxy.pid)
        let backendsBefore = try fixture.serverBackendCount()
        let total = Int(Double(target) * seconds)
        let result = storm(total: total, rate: target, threads: 16)
        let rate = Double(total) / result.elapsed
        #expect(result.failures.isEmpty, "\(result.failures.count) failed logins, e.g. \(result.failures.prefix(5))")
        // The pace is the target's when the machine allows; a shared machine is given a margin.
        #expect(rate >= Double(target) / 3, "\(Int(rate)) logins a second")

        usleep(500_000)
        let rssAfter = try #require(fixture.residentKilobytes())
        // Pools may have grown during the storm: their server connections are counted on the server.
        let poolGrowth = try fixture.serverBackendCount() - backendsBefore
        #expect(
            try waitUntil(timeout: 10) { Self.openDescriptors(fixture.proxy.pid) <= descriptorsBefore + poolGrowth },
            "descriptors \(descriptorsBefore) -> \(Self.openDescriptors(fixture.proxy.pid)), \(poolGrowth) more server connections")
        #expect(AddressSanitizer.isActive || rssAfter - rssBefore <= 8 * 1024, "RSS \(rssBefore) kB -> \(rssAfter) kB")
        #expect(try fixture.serverBackendCount() <= 4 + 8, "server connections beyond the pools")
        let after = try PGConnection(conninfo)
        defer { after.close() }
        #expect(try after.exec("SELECT current_user").scalar == "app")
        print(
            """
            ProxyOverloadTests.loginStorm: \(total) SCRAM logins + SELECT 1 in \(Self.format(result.elapsed)) s \
            (\(Int(rate))/s, target \(target)/s); RSS \(rssBefore) -> \(rssAfter) kB; descriptors \
            \(descriptorsBefore) -> \(Self.openDescriptors(fixture.proxy.pid))
            """)
    }

    // MARK: - Slow reader

    /// About 100 MB of rows: 100,000 of ~1 kB.
    static let wideRows = "SELECT i, repeat('x', 1000) FROM generate_series(1, 100000) i"

    @Test("a client that does not read a 100 MB result: the proxy stops reading, memory stays flat, the data arrives whole")
    func slowReader() throws {
        let fixture = try ProxyFixture.start(ProxyConfiguration(poolSize: 4))
        defer { fixture.stop() }
        let warm = try fixture.connect()
        defer { warm.close() }
        #expect(try warm.exec("SELECT count(*) FROM (SELECT repeat('x', 1000) FROM generate_series(1, 5000)) t").scalar == "5000")
        let rssBefore = try #require(fixture.residentKilobytes())

        let slow = try fixture.connect()
        defer { slow.close() }
        var small: Int32 = 64 * 1024
        setsockopt(slow.socketDescriptor, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        let raw = RawConnection(borrowing: slow.socketDescriptor)
        raw.send(FrontendBytes.query(Self.wideRows))

        // The server ends up waiting to write to the proxy, which waits for the client.
        let direct = try fixture.connectDirect()
        defer { direct.close() }
        let blocked = try waitUntil(timeout: 20, interval: 0.1) {
            try direct.exec(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'ClientWrite' AND query = \(SQLQuoting.literal(Self.wideRows))"
            ).scalar == "1"
        }
        #expect(blocked, "the server never waited to write")
        var rssPeak = 0
        for _ in 0..<20 {
            rssPeak = max(rssPeak, fixture.residentKilobytes() ?? 0)
            usleep(100_000)
        }
        #expect(AddressSanitizer.isActive || rssPeak - rssBefore <= 24 * 1024, "RSS \(rssBefore) kB -> \(rssPeak) kB while the client did not read")

        // Others go on meanwhile, large answers included.
        let others = concurrently(3) { index in
            let connection = try fixture.connect()
            defer { connection.close() }
            let small = try connection.exec("SELECT \(index)").scalar
            let large = try connection.exec("SELECT string_agg(repeat('y', 1000), '') FROM generate_series(1, 1000)").scalar
            guard small == String(index), large == String(repeating: "y", count: 1_000_000) else {
                throw PGError(kind: .client, message: "client \(index): \(small ?? "-"), \(large?.count ?? -1) bytes")
            }
        }
        #expect(others.isEmpty, "\(others.map { "\($0.1)" })")

        // The slow client reads it all now: every row, in order, whole.
        var pending: [UInt8] = []
        var rows = 0
        var wrong: [String] = []
        var tag: String?
        let filler = String(repeating: "x", count: 1000)
        reading: while true {
            switch raw.readSome(timeout: 30) {
            case .bytes(let bytes): pending += bytes
            case .closed, .timedOut: break reading
            }
            for frame in BackendFrame.split(&pending) {
                switch frame.kind {
                case "D":
                    rows += 1
                    if frame.dataRowValues != [String(rows), filler], wrong.count < 5 { wrong.append("row \(rows)") }
                case "C": tag = String(decoding: frame.body.dropLast(), as: UTF8.self)
                case "Z": break reading
                case "T": continue
                default: wrong.append("frame \(frame.kind) \(frame.errorFields)")
                }
            }
        }
        #expect(rows == 100_000)
        #expect(wrong.isEmpty, "\(wrong)")
        #expect(tag == "SELECT 100000")
        #expect(try slow.exec("SELECT 'next'").scalar == "next")
        let rssAfter = try #require(fixture.residentKilobytes())
        print(
            "ProxyOverloadTests.slowReader: RSS \(rssBefore) kB before, \(rssPeak) kB at most while 100 MB waited, \(rssAfter) kB after"
        )
    }

    // MARK: - Announced but unsent

    @Test("200 clients announcing 60 MB messages and sending a few bytes hold no memory for them")
    func announcedButUnsent() throws {
        let fixture = try ProxyFixture.start(Self.md5Configuration())
        defer { fixture.stop() }
        let bystander = try fixture.connect()
        defer { bystander.close() }
        _ = try Self.idleClient(port: fixture.port)
        let rssBefore = try #require(fixture.residentKilobytes())
        let clients = try (0..<200).map { _ in try Self.idleClient(port: fixture.port) }
        defer { clients.forEach { $0.close() } }
        // Under max_message_bytes (64 MB): a legal length whose body never comes.
        for client in clients {
            client.send([UInt8(ascii: "Q")] + FrontendBytes.int32(60_000_000) + Array(String(repeating: "SELECT 1; ", count: 10).utf8))
        }
        usleep(1_000_000)
        let rssHeld = try #require(fixture.residentKilobytes())
        #expect(AddressSanitizer.isActive || rssHeld - rssBefore <= 16 * 1024, "RSS \(rssBefore) kB -> \(rssHeld) kB")
        #expect(try bystander.exec("SELECT 'unaffected'").scalar == "unaffected")
        for client in clients { client.close() }
        usleep(500_000)
        #expect(fixture.proxy.isRunning)
        #expect(try bystander.exec("SELECT 'still'").scalar == "still")
    }
}

/// Raw connections opened by many threads and held together.
final class ClientCrowd: @unchecked Sendable {
    private let lock = NSLock()
    private var clients: [RawConnection] = []

    func append(_ client: RawConnection) {
        lock.withLock { clients.append(client) }
    }

    var count: Int { lock.withLock { clients.count } }

    /// The first `count` clients, to use from one thread.
    func prefix(_ count: Int) -> [RawConnection] { lock.withLock { Array(clients.prefix(count)) } }

    func closeAll() {
        lock.withLock {
            clients.forEach { $0.close() }
            clients.removeAll()
        }
    }
}
