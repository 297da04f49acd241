// ProxyCancelTests: CancelRequests through the proxy reach the right server and only with the right
// key; LISTEN/NOTIFY in session mode delivers notifications.
import Dispatch
import Foundation
import SwitchyardTesting
import SwitchyardWire
import Synchronization
import Testing

@Suite("Proxy cancel requests", .serialized, .sharedProxy(ProxyConfiguration(poolMode: "transaction", poolSize: 1)))
struct ProxyCancelTests {
    @Test("pg_sleep(30) cancelled through the proxy ends with 57014 within 1 s", arguments: [false, true])
    func cancelSleep(inTransaction: Bool) throws {
        let fixture = try SharedProxy.fixture()
        let connection = try fixture.connect()
        defer { connection.close() }
        if inTransaction { _ = try connection.exec("BEGIN") }
        let canceller = try connection.makeCanceller()
        let sentAt = Mutex<Double?>(nil)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) {
            sentAt.withLock { $0 = Monotonic.now }
            try? canceller.cancel()
        }
        let error = try #require(throws: PGError.self) { try connection.exec("SELECT pg_sleep(30)") }
        let ended = Monotonic.now
        #expect(error.sqlState == .queryCanceled)
        #expect(error.message == "canceling statement due to user request")
        let sent = try #require(sentAt.withLock { $0 })
        #expect(ended - sent < 1, "cancelled \(ended - sent) s after the request")
        if inTransaction {
            #expect(connection.transactionStatus == .inFailedTransaction)
            _ = try connection.exec("ROLLBACK")
        }
        #expect(try connection.exec("SELECT 'still here'").scalar == "still here")
    }

    /// The proxy's BackendKeyData is its own: a CancelRequest with its process ID but another
    /// secret, or an unknown process ID, must not cancel anything.
    @Test("CancelRequests with a wrong key do nothing: pg_sleep(1) completes")
    func wrongKey() throws {
        let fixture = try SharedProxy.fixture()
        let connection = try fixture.connect()
        defer { connection.close() }
        let processID = connection.backendPID
        let port = fixture.port
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) {
            for (pid, key) in [(processID, Int32(0)), (processID, Int32(-1)), (processID &+ 1, Int32(12345))] {
                guard let raw = try? RawConnection(port: port) else { continue }
                raw.send(FrontendBytes.cancelRequest(processID: pid, secretKey: key))
                _ = raw.readUntilClosed(timeout: 2)
                raw.close()
            }
        }
        let started = Monotonic.now
        #expect(try connection.exec("SELECT pg_sleep(1), 'completed'").rows == [["", "completed"]])
        #expect(Monotonic.now - started >= 0.9)
    }

    /// In transaction mode an idle client holds no server; its cancel key must not reach the
    /// server connection it used before, which now runs another client's statement.
    @Test("cancelling an idle client does not cancel another client on its former server")
    func idleClientCancel() throws {
        let fixture = try SharedProxy.fixture()
        let idle = try fixture.connect()
        defer { idle.close() }
        let busy = try fixture.connect()
        defer { busy.close() }
        // pool_size 1: both run on the same server connection.
        let shared = try idle.exec("SELECT pg_backend_pid()").scalar
        let canceller = try idle.makeCanceller()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { try? canceller.cancel() }
        #expect(try busy.exec("SELECT pg_sleep(1), pg_backend_pid()::text").rows == [["", shared]])
    }

    @Test("the cancel key is the proxy's, not the server's")
    func ownCancelKey() throws {
        let fixture = try SharedProxy.fixture()
        let connection = try fixture.connect()
        defer { connection.close() }
        let serverPID = try connection.exec("SELECT pg_backend_pid()").scalar
        #expect(connection.backendPID != 0)
        #expect(String(connection.backendPID) != serverPID)
    }
}

@Suite("Proxy LISTEN/NOTIFY", .serialized)
struct ProxyNotifyTests {
    @Test("session mode: LISTEN through the proxy receives NOTIFY from proxied and direct clients")
    func sessionNotify() throws {
        let fixture = try ProxyFixture.start(ProxyConfiguration(poolMode: "session", poolSize: 4))
        defer { fixture.stop() }
        let listener = try fixture.connect()
        defer { listener.close() }
        let sender = try fixture.connect()
        defer { sender.close() }
        let direct = try fixture.connectDirect()
        defer { direct.close() }
        _ = try listener.exec("LISTEN proxy_events")
        #expect(try listener.waitForNotifications(timeout: 0).isEmpty)

        let senderPID = try #require(try sender.exec("SELECT pg_backend_pid()").scalar.flatMap { Int32($0) })
        _ = try sender.exec("NOTIFY proxy_events, 'through the proxy'")
        // Delivered while the listener is idle: nothing is asked of the proxy meanwhile.
        #expect(
            try listener.waitForNotifications(timeout: 5) == [
                PGNotification(channel: "proxy_events", payload: "through the proxy", pid: senderPID)
            ])
        _ = try direct.exec("SELECT pg_notify('proxy_events', 'direct')")
        #expect(
            try listener.waitForNotifications(timeout: 5) == [
                PGNotification(channel: "proxy_events", payload: "direct", pid: direct.backendPID)
            ])
        // A notification sent in a transaction arrives at its COMMIT, and only then.
        _ = try sender.exec("BEGIN")
        _ = try sender.exec("NOTIFY proxy_events, 'at commit'")
        #expect(try listener.waitForNotifications(timeout: 0.3).isEmpty)
        _ = try sender.exec("COMMIT")
        #expect(try listener.waitForNotifications(timeout: 5).map(\.payload) == ["at commit"])
        #expect(try listener.exec("SELECT 1").scalar == "1")
    }

    /// SPEC §3: LISTEN cannot be replayed, so it pins the client to its server connection.
    @Test(
        "transaction mode: LISTEN pins the client, so notifications still arrive"
    )
    func transactionModeNotify() throws {
        let fixture = try ProxyFixture.start(ProxyConfiguration(poolMode: "transaction", poolSize: 2))
        defer { fixture.stop() }
        let listener = try fixture.connect()
        defer { listener.close() }
        let other = try fixture.connect()
        defer { other.close() }
        _ = try listener.exec("LISTEN pinned_events")
        for round in 0..<5 { _ = try other.exec("SELECT \(round)") }
        _ = try other.exec("NOTIFY pinned_events, 'pinned'")
        #expect(try listener.waitForNotifications(timeout: 5).map(\.payload) == ["pinned"])
    }
}
