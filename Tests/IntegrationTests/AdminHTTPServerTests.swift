// AdminHTTPServerTests: the admin HTTP server over real loopback sockets, with a fake daemon behind it.
import Foundation
import Glibc
import Logging
import SwitchyardAdmin
import SwitchyardDaemon
import SwitchyardIO
import SwitchyardTesting
import Synchronization
import Testing

/// Stands in for the daemon: a fixed snapshot, and a record of the actions asked for.
final class FakeAdminOperations: AdminOperations {
    let snapshot: StatsSnapshot
    let reloadOutcome: AdminOutcome
    /// How long the stats "gathering" takes; `nil` never answers.
    let statsDelay: Double?
    private let accepting = Atomic<Bool>(true)
    private let log = Mutex<[String]>([])

    init(reloadOutcome: AdminOutcome = .done("configuration reloaded"), statsDelay: Double? = 0) {
        self.snapshot = StatsSnapshot(
            version: "9.9.9",
            uptimeSeconds: 12,
            config: .init(path: "/tmp/switchyard.toml", loadedAt: 1_700_000_000),
            clients: .init(connected: 3),
            clusters: [
                ClusterStats(
                    name: "main",
                    primary: "127.0.0.1:5432",
                    servers: [
                        ServerStats(host: "127.0.0.1", port: 5432, role: .primary, state: .up, queries: 7, writes: 7)
                    ]
                )
            ]
        )
        self.reloadOutcome = reloadOutcome
        self.statsDelay = statsDelay
    }

    var calls: [String] { self.log.withLock { $0 } }

    func setAccepting(_ value: Bool) { self.accepting.store(value, ordering: .relaxed) }

    func statsSnapshot(_ completion: @escaping @Sendable (StatsSnapshot) -> Void) {
        self.log.withLock { $0.append("stats") }
        guard let delay = self.statsDelay else { return }
        let snapshot = self.snapshot
        DispatchQueue.global().asyncAfter(deadline: .now() + delay) { completion(snapshot) }
    }

    func reload(_ completion: @escaping @Sendable (AdminOutcome) -> Void) {
        self.log.withLock { $0.append("reload") }
        completion(self.reloadOutcome)
    }

    func pause(cluster: String?, _ completion: @escaping @Sendable (AdminOutcome) -> Void) {
        self.log.withLock { $0.append("pause \(cluster ?? "*")") }
        completion(cluster == "nope" ? .unknownCluster("nope") : .done("paused \(cluster ?? "every cluster")"))
    }

    func resume(cluster: String?, _ completion: @escaping @Sendable (AdminOutcome) -> Void) {
        self.log.withLock { $0.append("resume \(cluster ?? "*")") }
        completion(.done("resumed \(cluster ?? "every cluster")"))
    }

    var isAccepting: Bool { self.accepting.load(ordering: .relaxed) }
}

/// A response as a blocking test client reads it, up to the server's close.
struct RawResponse {
    var status: Int
    var headers: [String: String]
    var body: String
    /// Whether the server closed the connection (read returned 0) rather than the read timing out.
    var closed: Bool
}

/// A running server with a fake daemon, stopped by `stop()`.
struct AdminServerFixture {
    let server: AdminHTTPServer
    let operations: FakeAdminOperations

    init(
        token: String? = nil,
        operations: FakeAdminOperations = FakeAdminOperations(),
        configure: (inout AdminHTTPServer.Configuration) -> Void = { _ in }
    ) throws {
        var configuration = AdminHTTPServer.Configuration(address: SocketAddress(numericHost: "127.0.0.1", port: 0)!)
        configure(&configuration)
        var logger = Logger(label: "admin-test")
        logger.logLevel = .critical
        self.operations = operations
        self.server = try AdminHTTPServer.start(
            configuration: configuration,
            handler: AdminRouter(operations: operations, token: token),
            logger: logger
        )
    }

    func stop() { self.server.stop() }

    /// Connects, sends `request`, reads until the server closes (or `timeout` seconds pass).
    func exchange(_ request: String, timeout: Double = 5) throws -> RawResponse {
        let fd = try self.connect(timeout: timeout)
        defer { close(fd) }
        Self.send(fd, Array(request.utf8))
        return try Self.readResponse(fd)
    }

    func get(_ path: String, headers: [String] = []) throws -> RawResponse {
        try self.exchange(Self.request("GET", path, headers: headers))
    }

    func post(_ path: String, headers: [String] = []) throws -> RawResponse {
        try self.exchange(Self.request("POST", path, headers: headers + ["Content-Length: 0"]))
    }

    static func request(_ method: String, _ path: String, headers: [String] = []) -> String {
        "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers.map { $0 + "\r\n" }.joined() + "\r\n"
    }

    func connect(timeout: Double = 5) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(self.server.port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        try #require(connected == 0, "connect: errno \(errno)")
        var interval = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    static func send(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if count <= 0 { return }  // the server may close early (413): reading tells the rest
            offset += count
        }
    }

    static func readResponse(_ fd: Int32) throws -> RawResponse {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var closed = false
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received += buffer[..<count]
            } else {
                closed = count == 0 || errno == ECONNRESET
                break
            }
        }
        let text = String(decoding: received, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else {
            return RawResponse(status: 0, headers: [:], body: text, closed: closed)
        }
        var lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces
            )
        }
        return RawResponse(
            status: statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0,
            headers: headers,
            body: String(text[split.upperBound...]),
            closed: closed
        )
    }
}

@Suite("Admin HTTP server")
struct AdminHTTPServerTests {
    @Test func servesEveryGetRoute() throws {
        let fixture = try AdminServerFixture()
        defer { fixture.stop() }

        let page = try fixture.get("/")
        #expect(page.status == 200)
        #expect(page.headers["content-type"] == "text/html; charset=utf-8")
        #expect(page.headers["content-security-policy"]?.contains("default-src 'none'") == true)
        #expect(page.body == Dashboard.html(refreshMs: 2000))
        #expect(page.closed)

        let stats = try fixture.get("/stats")
        #expect(stats.status == 200)
        #expect(stats.headers["content-type"] == "application/json")
        #expect(stats.body == StatsJSON.render(fixture.operations.snapshot))
        #expect(stats.headers["content-length"] == String(stats.body.utf8.count))
        #expect(stats.headers["connection"] == "close")
        #expect(stats.headers["cache-control"] == "no-store")
        #expect(stats.headers["date"]?.hasSuffix(" GMT") == true)

        let metrics = try fixture.get("/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(metrics.body == PrometheusText.render(fixture.operations.snapshot))

        let health = try fixture.get("/health")
        #expect(health.status == 200)
        #expect(health.body == "ok\n")
        fixture.operations.setAccepting(false)
        #expect(try fixture.get("/health").status == 503)
    }

    @Test func headHasTheHeadersButNoBody() throws {
        let fixture = try AdminServerFixture()
        defer { fixture.stop() }
        let head = try fixture.exchange(AdminServerFixture.request("HEAD", "/stats"))
        #expect(head.status == 200)
        #expect(head.headers["content-length"] == String(StatsJSON.render(fixture.operations.snapshot).utf8.count))
        #expect(head.body.isEmpty)
    }

    @Test(
        arguments: [
            ("GET", "/nope", 404, nil),
            ("GET", "/stats/", 404, nil),
            ("POST", "/stats", 405, "GET, HEAD"),
            ("DELETE", "/", 405, "GET, HEAD"),
            ("GET", "/reload", 405, "POST"),
            ("get", "/stats", 405, "GET, HEAD"),
        ] as [(String, String, Int, String?)]
    )
    func unknownPathsAndWrongMethods(method: String, path: String, status: Int, allow: String?) throws {
        let fixture = try AdminServerFixture()
        defer { fixture.stop() }
        let response = try fixture.exchange(AdminServerFixture.request(method, path, headers: ["Content-Length: 0"]))
        #expect(response.status == status)
        #expect(response.headers["allow"] == allow)
        #expect(fixture.operations.calls.isEmpty)
    }

    static let malformed: [(String, String, Int)] = [
        ("garbage", "GARBAGE\r\n\r\n", 400),
        ("no Host in HTTP/1.1", "GET /stats HTTP/1.1\r\n\r\n", 400),
        ("two Host headers", "GET /stats HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("header without colon", "GET /stats HTTP/1.1\r\nHost: a\r\nOops\r\n\r\n", 400),
        ("space before colon", "GET /stats HTTP/1.1\r\nHost : a\r\n\r\n", 400),
        ("folded header", "GET /stats HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", 400),
        ("bare CR in a header", "GET /stats HTTP/1.1\r\nHost: a\rX: y\r\n\r\n", 400),
        ("absolute-form target", "GET http://a/stats HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("double space", "GET  /stats HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("broken percent escape", "POST /pause?cluster=%zz HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("Content-Length not a number", "POST /reload HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", 400),
        (
            "conflicting Content-Length",
            "POST /reload HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400
        ),
        ("HTTP/2.0", "GET /stats HTTP/2.0\r\nHost: a\r\n\r\n", 505),
        ("chunked body", "POST /reload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501),
        ("large body", "POST /reload HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n", 413),
        (
            "huge Content-Length",
            "POST /reload HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", 413
        ),
        (
            "huge header",
            "GET /stats HTTP/1.1\r\nHost: a\r\nX-Big: " + String(repeating: "x", count: 20_000) + "\r\n\r\n", 431
        ),
    ]

    @Test(arguments: malformed)
    func malformedRequestsAreRefused(name: String, request: String, status: Int) throws {
        let fixture = try AdminServerFixture()
        defer { fixture.stop() }
        let response = try fixture.exchange(request)
        #expect(response.status == status, "\(name)")
        #expect(response.closed, "\(name)")
        #expect(fixture.operations.calls.isEmpty, "\(name)")
    }

    @Test func postNeedsTheBearerTokenWhenOneIsSet() throws {
        let fixture = try AdminServerFixture(token: "s3cret")
        defer { fixture.stop() }
        let missing = try fixture.post("/reload")
        #expect(missing.status == 401)
        #expect(missing.headers["www-authenticate"] == "Bearer realm=\"switchyard\"")
        for wrong in ["Bearer s3cre", "Bearer s3cret2", "Bearer S3CRET", "Basic s3cret", "Bearers3cret", "s3cret"] {
            #expect(try fixture.post("/reload", headers: ["Authorization: \(wrong)"]).status == 401, "\(wrong)")
        }
        #expect(fixture.operations.calls.isEmpty)

        let ok = try fixture.post("/reload", headers: ["Authorization: Bearer s3cret"])
        #expect(ok.status == 200)
        #expect(ok.body == "{\n  \"ok\": true,\n  \"messages\": [\"configuration reloaded\"]\n}\n")
        #expect(try fixture.post("/pause?cluster=main", headers: ["authorization: bearer   s3cret"]).status == 200)
        #expect(fixture.operations.calls == ["reload", "pause main"])
        // Reading needs no token.
        #expect(try fixture.get("/stats").status == 200)
    }

    /// Without a token the POST routes are open, but not to web pages on other sites.
    @Test func browsersCannotPostFromAnotherSite() throws {
        let fixture = try AdminServerFixture()
        defer { fixture.stop() }
        for headers in [
            ["Origin: http://evil.example"], ["Origin: null"], ["Sec-Fetch-Site: cross-site"],
            ["Sec-Fetch-Site: same-site", "Origin: http://127.0.0.1"],
        ] {
            #expect(try fixture.post("/pause?cluster=main", headers: headers).status == 403, "\(headers)")
        }
        #expect(fixture.operations.calls.isEmpty)
        // The page's own origin, and tools that send no Origin, are fine.
        #expect(try fixture.post("/resume", headers: ["Origin: http://127.0.0.1", "Sec-Fetch-Site: same-origin"]).status == 200)
        #expect(try fixture.post("/resume").status == 200)
        #expect(fixture.operations.calls == ["resume *", "resume *"])
    }

    @Test func pauseAndResumeTakeTheClusterFromTheQuery() throws {
        let fixture = try AdminServerFixture()
        defer { fixture.stop() }
        #expect(try fixture.post("/pause?cluster=main").status == 200)
        #expect(try fixture.post("/pause?cluster=my%20cluster&other=1").status == 200)
        #expect(try fixture.post("/pause?cluster=a+b").status == 200)
        let unknown = try fixture.post("/pause?cluster=nope")
        #expect(unknown.status == 404)
        #expect(unknown.body.contains("unknown cluster \\\"nope\\\""))
        #expect(try fixture.post("/pause?cluster=").status == 400)
        #expect(try fixture.post("/resume").status == 200)
        #expect(try fixture.post("/resume?cluster=main").status == 200)
        #expect(
            fixture.operations.calls == [
                "pause main", "pause my cluster", "pause a b", "pause nope", "resume *", "resume main",
            ]
        )
    }

    @Test func failedReloadIsAnError() throws {
        let operations = FakeAdminOperations(reloadOutcome: .failed(["switchyard.toml:3: unknown key \"lisen\""]))
        let fixture = try AdminServerFixture(operations: operations)
        defer { fixture.stop() }
        let response = try fixture.post("/reload")
        #expect(response.status == 500)
        #expect(response.body.contains("\"ok\": false"))
        #expect(response.body.contains("unknown key \\\"lisen\\\""))
    }

    /// A client that starts a request and stalls gets 408 and is closed after the timeout; one
    /// that sends nothing at all too.
    @Test(arguments: ["GET /stats HTTP/1.1\r\nHost: a\r\n", ""])
    func slowClientsAreCutOff(partial: String) throws {
        let fixture = try AdminServerFixture { $0.requestTimeoutMs = 300 }
        defer { fixture.stop() }
        let started = Monotonic.now
        let response = try fixture.exchange(partial, timeout: 5)
        let elapsed = Monotonic.now - started
        #expect(response.status == 408)
        #expect(response.closed)
        #expect(elapsed >= 0.25 && elapsed < 3, "took \(elapsed) s")
    }

    @Test func aDaemonThatDoesNotAnswerGets503() throws {
        let fixture = try AdminServerFixture(operations: FakeAdminOperations(statsDelay: nil)) {
            $0.handlerTimeoutMs = 300
        }
        defer { fixture.stop() }
        let response = try fixture.get("/stats")
        #expect(response.status == 503)
        #expect(response.closed)
    }

    /// Each request waits 100 ms for its "stats": served one after another, 24 would take 2.4 s.
    @Test func concurrentRequestsAreServedTogether() throws {
        let fixture = try AdminServerFixture(operations: FakeAdminOperations(statsDelay: 0.1))
        defer { fixture.stop() }
        let expected = StatsJSON.render(fixture.operations.snapshot)
        let statuses = Mutex<[Int]>([])
        let done = DispatchSemaphore(value: 0)
        let started = Monotonic.now
        for _ in 0..<24 {
            // Threads of our own, so that every client really waits at the same time.
            Thread {
                let response = try? fixture.get("/stats")
                statuses.withLock { $0.append(response?.body == expected ? response?.status ?? 0 : -1) }
                done.signal()
            }.start()
        }
        for _ in 0..<24 { done.wait() }
        let elapsed = Monotonic.now - started
        #expect(statuses.withLock { $0 } == Array(repeating: 200, count: 24))
        #expect(elapsed < 1.5, "took \(elapsed) s")
    }

    @Test func connectionsOverTheLimitGet503() throws {
        let fixture = try AdminServerFixture { $0.maxConnections = 2 }
        defer { fixture.stop() }
        let first = try fixture.connect()
        let second = try fixture.connect()
        defer {
            close(first)
            close(second)
        }
        // Both idle connections are accepted before the third arrives.
        usleep(100_000)
        let third = try fixture.get("/health")
        #expect(third.status == 503)
        #expect(third.body == "too many admin connections\n")
        // The first two are still served.
        AdminServerFixture.send(first, Array(AdminServerFixture.request("GET", "/health").utf8))
        #expect(try AdminServerFixture.readResponse(first).status == 200)
    }

    /// Bytes after the request (a pipelined second request) are read and dropped; the response
    /// still arrives whole before the close.
    @Test func bytesAfterTheRequestDoNotCutTheResponse() throws {
        let fixture = try AdminServerFixture()
        defer { fixture.stop() }
        let response = try fixture.exchange(AdminServerFixture.request("GET", "/stats") + "GET /health HTTP/1.1\r\n")
        #expect(response.status == 200)
        #expect(response.body == StatsJSON.render(fixture.operations.snapshot))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/curl"), "curl is not installed"))
    func curlTalksToIt() throws {
        let fixture = try AdminServerFixture(token: "t")
        defer { fixture.stop() }
        let base = "http://127.0.0.1:\(fixture.server.port)"
        func curl(_ arguments: [String]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            process.arguments = ["-s", "-S", "--max-time", "5"] + arguments
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        #expect(try curl(["\(base)/health"]) == "ok\n")
        #expect(try curl(["-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "\(base)/reload"]) == "401")
        #expect(
            try curl([
                "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H", "Authorization: Bearer t",
                "\(base)/reload",
            ]) == "200"
        )
        #expect(
            try curl([
                "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H", "Authorization: Bearer t",
                "\(base)/pause?cluster=main",
            ]) == "200"
        )
        #expect(fixture.operations.calls == ["reload", "pause main"])
    }
}

@Suite("HTTP request parser")
struct HTTPRequestParserTests {
    static func parse(_ text: String, parser: HTTPRequestParser = HTTPRequestParser()) -> HTTPParseResult {
        Array(text.utf8).withUnsafeBytes { parser.parse($0) }
    }

    @Test func parsesARequestWithQueryHeadersAndBody() {
        let text =
            "POST /pause?cluster=a%2Fb&x&cluster=ignored HTTP/1.1\r\n"
            + "Host: h\r\nX-Thing:  v a l \r\nContent-Length: 3\r\n\r\nabcEXTRA"
        let expected = AdminRequest(
            method: "POST",
            path: "/pause",
            query: ["cluster": "a/b", "x": ""],
            headers: [HTTPHeader("host", "h"), HTTPHeader("x-thing", "v a l"), HTTPHeader("content-length", "3")],
            body: Array("abc".utf8)
        )
        #expect(Self.parse(text) == .complete(expected, consumed: text.utf8.count - 5))
    }

    /// Fed a byte at a time, a request is incomplete until its last byte, then complete.
    @Test func isIncompleteUntilTheLastByte() {
        let text = "POST /reload HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nok"
        let bytes = Array(text.utf8)
        for end in 0..<bytes.count {
            let result = Array(bytes[..<end]).withUnsafeBytes { HTTPRequestParser().parse($0) }
            #expect(result == .incomplete, "after \(end) bytes")
        }
        guard case .complete(let request, let consumed) = Self.parse(text) else {
            Issue.record("not complete")
            return
        }
        #expect(consumed == bytes.count)
        #expect(request.body == Array("ok".utf8))
    }

    /// RFC 9112 allows a bare LF as line terminator, and empty lines before the request line.
    @Test func acceptsBareLineFeedsAndLeadingEmptyLines() {
        guard case .complete(let request, _) = Self.parse("\r\n\nGET /health HTTP/1.0\nX: y\n\n") else {
            Issue.record("not complete")
            return
        }
        #expect(request.method == "GET" && request.path == "/health" && request.header("X") == "y")
    }

    @Test func limitsApplyBeforeTheWholeRequestArrives() {
        let parser = HTTPRequestParser(maxHeaderBytes: 64, maxBodyBytes: 4)
        #expect(
            Self.parse("GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 80), parser: parser)
                == .failed(.headerFieldsTooLarge, "request head larger than 64 bytes")
        )
        #expect(
            Self.parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n", parser: parser)
                == .failed(.contentTooLarge, "request body larger than 4 bytes")
        )
        guard case .complete = Self.parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nabcd", parser: parser)
        else {
            Issue.record("a body at the limit is refused")
            return
        }
    }
}
