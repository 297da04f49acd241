// ProxySessionStateTests: a client's own SET and RESET under transaction pooling follow that client
// to whichever server connection runs it, and never reach another client (SPEC §3).
import Foundation
import SwitchyardTesting
import SwitchyardWire
import Testing

@Suite("Proxy session state in transaction mode", .serialized)
struct ProxySessionStateTests {
    /// pool_size 1: both clients run on the one server connection, one after the other; each
    /// must see only its own settings, as two direct connections would.
    @Test(
        "SET by one client is seen by that client only, on any server connection"
    )
    func setFollowsClient() throws {
        let fixture = try ProxyFixture.start(ProxyConfiguration(poolMode: "transaction", poolSize: 1))
        defer { fixture.stop() }
        let a = try fixture.connect()
        defer { a.close() }
        let b = try fixture.connect()
        defer { b.close() }
        let sql = "SELECT current_setting('search_path'), current_setting('work_mem')"
        let defaults = try b.exec(sql).rows
        _ = try a.exec("SET search_path = pg_catalog, public")
        _ = try a.exec("SET work_mem = '2345kB'")
        let own = [["pg_catalog, public", "2345kB"]]
        #expect(try b.exec(sql).rows == defaults, "another client's SET leaked")
        #expect(try a.exec(sql).rows == own)
        _ = try b.exec("SET work_mem = '3456kB'")
        #expect(try a.exec(sql).rows == own)
        _ = try a.exec("RESET work_mem")
        #expect(try a.exec(sql).rows == [["pg_catalog, public", defaults.first?[1] ?? nil]])
        #expect(try b.exec(sql).rows == [[defaults.first?[0] ?? nil, "3456kB"]])
    }

    /// SET LOCAL ends with its transaction on a direct connection; it must not outlive it here.
    @Test("SET LOCAL lasts only for its transaction")
    func setLocal() throws {
        let fixture = try ProxyFixture.start(ProxyConfiguration(poolMode: "transaction", poolSize: 1))
        defer { fixture.stop() }
        let a = try fixture.connect()
        defer { a.close() }
        let b = try fixture.connect()
        defer { b.close() }
        let before = try b.exec("SHOW work_mem").scalar
        _ = try a.exec("BEGIN")
        _ = try a.exec("SET LOCAL work_mem = '4567kB'")
        #expect(try a.exec("SHOW work_mem").scalar == "4567kB")
        _ = try a.exec("COMMIT")
        #expect(try a.exec("SHOW work_mem").scalar == before)
        #expect(try b.exec("SHOW work_mem").scalar == before)
    }
}
