// DashboardTests: the admin port's HTML dashboard rendered by headless Chromium against the real
// daemon under load: the page's script must fetch /stats and draw clusters, servers and states.
import Foundation
import Glibc
import SwitchyardTesting
import Testing

@Suite("Dashboard", .serialized)
struct DashboardTests {
    /// Debian's `chromium`, when installed.
    static let chromium = ExternalProgram.find("chromium")

    /// Runs headless Chromium on `url` with `arguments`; `--virtual-time-budget` lets the page's
    /// timers and its fetches of /stats run before the DOM is dumped or the screenshot taken.
    private static func runChromium(_ chromium: String, _ arguments: [String], url: String) throws -> CommandResult {
        let profile = NSTemporaryDirectory() + "switchyard-chromium-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: profile) }
        return try Command(
            chromium,
            ["--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--user-data-dir=\(profile)"]
                + arguments + [url]
        ).run(timeout: 90)
    }

    /// Width and height from a PNG's IHDR chunk (PNG spec §11.2.2: after the 8-byte signature,
    /// the chunk length and "IHDR", then width and height as big-endian 32-bit integers).
    private static func pngSize(_ data: Data) -> (width: Int, height: Int)? {
        let bytes = [UInt8](data.prefix(24))
        guard bytes.count == 24, Array(bytes[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A],
            Array(bytes[12..<16]) == Array("IHDR".utf8)
        else { return nil }
        let number = { (offset: Int) in bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (number(16), number(20))
    }

    @Test(
        "headless Chromium renders clusters, servers, roles and states from /stats, and takes a screenshot",
        .enabled(if: DashboardTests.chromium != nil, "chromium is not installed (apt-get install chromium)"))
    func chromiumRendersTheDashboard() throws {
        let chromium = try #require(Self.chromium)
        let cluster = TestCluster.shared
        let primary = try cluster.primary()
        let replicas = try cluster.replicas()
        let users = try cluster.usersServer()
        // A replica of cluster users that does not exist: its health checks fail, so it is down.
        let missing = ProxyConfiguration.Server(host: "127.0.0.1", port: try freePort(), role: "replica")
        let adminPort = try freePort()
        let mainServers =
            [ProxyConfiguration.Server(primary, role: "primary")]
            + replicas.map { ProxyConfiguration.Server($0, role: "replica") }
        let fixture = try ProxyFixture.start(
            ProxyConfiguration(
                clusters: [
                    ProxyConfiguration.Cluster(
                        name: "users", serverUser: nil,
                        servers: [ProxyConfiguration.Server(users, role: "primary"), missing],
                        database: TestUser.database, hasClientDatabase: false)
                ],
                mainServers: mainServers,
                adminPort: adminPort,
                healthSettings: ["interval_ms": "300", "timeout_ms": "500"]
            ))
        defer { fixture.stop() }
        let admin = AdminHTTPClient(port: adminPort)
        let initialize = try ClientTools.pgbench(
            ["-i", "-s", "1", "-q"] + fixture.directClientArguments(), password: "app")
        try #require(initialize.succeeded, "\(initialize.standardError)")
        for replica in replicas { try replica.waitUntilCaughtUp(with: primary) }
        // Reads and writes while the page polls, so that the traffic figures move: readers that never
        // write (so their reads go to the replicas), and one writer.
        let readers = PgbenchRun(
            ["-c", "3", "-T", "20", "-b", "select-only"] + fixture.clientArguments(), password: "app", timeout: 90)
        let writer = PgbenchRun(
            ["-c", "1", "-T", "20", "-b", "tpcb-like"] + fixture.clientArguments(), password: "app", timeout: 90)
        let settled = try waitUntil(timeout: 10, interval: 0.1) {
            let stats = try StatsDocument.fetch(admin)
            return stats.cluster("users")?.server(missing.address)?.state == "down"
                && stats.cluster("main")?.servers.allSatisfy { $0.state == "up" } == true
        }
        try #require(settled, "the health checks did not settle")

        // The page itself holds no data: whatever names and states the browser shows, its
        // script fetched from /stats.
        let page = try admin.get("/")
        #expect(page.status == 200)
        #expect(page.headers["content-type"]?.hasPrefix("text/html") == true)
        for server in mainServers + [missing] { #expect(!page.body.contains(server.address)) }

        let url = "http://127.0.0.1:\(adminPort)/"
        let dump = try Self.runChromium(chromium, ["--virtual-time-budget=5000", "--dump-dom"], url: url)
        #expect(dump.succeeded, "\(dump.standardError)")
        let dom = dump.standardOutput
        #expect(dom.contains("<html"), "\(dom)")
        for name in ["main", "users"] { #expect(dom.contains(">\(name)<"), "cluster \(name) missing:\n\(dom)") }
        for server in mainServers + [ProxyConfiguration.Server(users, role: "primary"), missing] {
            #expect(dom.contains(">\(server.address)<"), "server \(server.address) missing")
        }
        #expect(dom.contains(">primary<") && dom.contains(">replica<"))
        #expect(dom.contains("class=\"state up\">up<"), "no server shown up")
        #expect(dom.contains("class=\"state down\">down<"), "the missing replica is not shown down")
        #expect(dom.contains("0.1.0"), "no version")

        let directory = NSTemporaryDirectory() + "switchyard-dashboard-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let screenshot = directory + "/dashboard.png"
        let shot = try Self.runChromium(
            chromium,
            ["--virtual-time-budget=9000", "--hide-scrollbars", "--window-size=1400,1000", "--screenshot=\(screenshot)"],
            url: url)
        #expect(shot.succeeded, "\(shot.standardError)")
        let image = try Data(contentsOf: URL(fileURLWithPath: screenshot))
        let size = try #require(Self.pngSize(image), "not a PNG")
        #expect(size.width == 1400 && size.height == 1000)
        // SWITCHYARD_DASHBOARD_SCREENSHOT=docs/dashboard.png refreshes the documentation's picture.
        if let target = ProcessInfo.processInfo.environment["SWITCHYARD_DASHBOARD_SCREENSHOT"], !target.isEmpty {
            try? FileManager.default.removeItem(atPath: target)
            try FileManager.default.copyItem(atPath: screenshot, toPath: target)
        }

        for run in [readers, writer] {
            let report = try run.finish(timeout: 60)
            #expect(report.exitStatus == .exited(0) && report.failed == 0, "\(report)")
        }
    }
}
