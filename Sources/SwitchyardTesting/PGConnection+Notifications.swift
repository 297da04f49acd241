// PGConnection+Notifications: LISTEN/NOTIFY delivery (NotificationResponse) read through libpq.
import CLibPQ
import Glibc

/// A NotificationResponse: a NOTIFY on `channel` from the server process `pid`.
package struct PGNotification: Sendable, Equatable {
    package var channel: String
    package var payload: String
    package var pid: Int32

    package init(channel: String, payload: String, pid: Int32) {
        self.channel = channel
        self.payload = payload
        self.pid = pid
    }
}

extension PGConnection {
    /// Reads whatever the server has sent without blocking (`PQconsumeInput`).
    package func consumeInput() throws {
        guard PQconsumeInput(try open()) == 1 else { throw clientError() }
    }

    /// The notifications received so far and not yet returned (`PQnotifies`).
    package func notifies() throws -> [PGNotification] {
        let connection = try open()
        var received: [PGNotification] = []
        while let notify = PQnotifies(connection) {
            received.append(
                PGNotification(
                    channel: String(cString: notify.pointee.relname), payload: String(cString: notify.pointee.extra),
                    pid: notify.pointee.be_pid))
            PQfreemem(notify)
        }
        return received
    }

    /// Waits up to `timeout` seconds until at least one notification arrives and returns what has;
    /// an empty list means none came in time.
    package func waitForNotifications(timeout: Double) throws -> [PGNotification] {
        let deadline = Monotonic.now + timeout
        while true {
            try consumeInput()
            let received = try notifies()
            let remaining = deadline - Monotonic.now
            if !received.isEmpty || remaining <= 0 { return received }
            var descriptor = pollfd(fd: PQsocket(try open()), events: Int16(POLLIN), revents: 0)
            _ = poll(&descriptor, 1, Int32(remaining * 1000) + 1)
        }
    }
}
