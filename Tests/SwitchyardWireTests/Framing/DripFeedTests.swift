// DripFeedTests: whole captured sessions framed in every chunking give the same messages.
import SwitchyardWire
import Testing

@Suite struct DripFeedTests {
    static let sessions: [(String, StreamDirection)] = [
        "session-psql-simple", "session-psql-scram", "session-psql-copy", "session-psql-lo-import",
        "session-pgbench-prepared", "session-psycopg-extended", "session-recvlogical",
    ].flatMap { [("\($0).frontend", StreamDirection.frontend), ("\($0).backend", StreamDirection.backend)] }

    @Test(arguments: sessions)
    func capturedSessionFramesIdenticallyInEveryChunking(fixture: String, direction: StreamDirection) throws {
        let stream = try Fixture.bytes(fixture)
        let messages = try verifyFramer(stream, direction: direction)
        // The capture's own splitter (capture/extract.py) counted the messages independently.
        #expect(messages.count == (try Fixture.messageCount(fixture)))
    }

    @Test func simpleSessionStartsWithStartupAndEndsWithTerminate() throws {
        let messages = try verifyFramer(try Fixture.bytes("session-psql-simple.frontend"), direction: .frontend)
        guard case .startup(.startup(let startup)) = messages.first?.value else {
            Issue.record("first message is not a StartupMessage")
            return
        }
        #expect(startup.value(of: "user") == "postgres")
        #expect(messages.last?.value == .frontend(.terminate))
        #expect(messages.count == 11)
    }

    @Test func pgbenchSessionLeavesTheStartupPhaseOnlyAfterTheStartupMessage() throws {
        let messages = try verifyFramer(try Fixture.bytes("session-pgbench-prepared.frontend"), direction: .frontend)
        #expect(messages.first?.value == .startup(.sslRequest))
        guard messages.count > 2, case .startup(.startup) = messages[1].value else {
            Issue.record("the SSLRequest is not followed by a StartupMessage")
            return
        }
        #expect(messages[2].value == .frontend(.parse(FrontendMessage.Parse(
            name: "P_0", query: "SELECT abalance FROM pgbench_accounts WHERE aid = $1;"))))
    }

    @Test func backendSessionCarriesTheNotificationAndAllThreeTransactionStatuses() throws {
        let messages = try verifyFramer(try Fixture.bytes("session-psql-simple.backend"), direction: .backend)
        let statuses = messages.compactMap { message -> TransactionStatus? in
            if case .backend(.readyForQuery(let ready)) = message.value { return ready.status }
            return nil
        }
        #expect(statuses == [.idle, .idle, .idle, .idle, .idle, .idle, .inTransaction, .inTransaction, .failed, .idle])
        // The session notified itself: the notifying process is the one BackendKeyData named.
        let keys = messages.compactMap { message -> BackendMessage.BackendKeyData? in
            if case .backend(.backendKeyData(let key)) = message.value { return key }
            return nil
        }
        let notifications = messages.compactMap { message -> BackendMessage.NotificationResponse? in
            if case .backend(.notificationResponse(let notification)) = message.value { return notification }
            return nil
        }
        #expect(keys.count == 1)
        #expect(notifications == [.init(processID: keys.first?.processID ?? 0, channel: "wire_channel", payload: "hello")])
    }

    @Test func aFrameArrivingInPiecesIsReportedOnlyWhenComplete() throws {
        // ReadyForQuery 'I': Byte1('Z'), Int32(5), Byte1('I').
        let ready: [UInt8] = [0x5A, 0, 0, 0, 5, 0x49]
        var framer = StreamFramer(.backend)
        for index in 0..<(ready.count - 1) {
            #expect(try framer.feed(ready[index..<(index + 1)]).isEmpty)
        }
        #expect(try framer.feed(ready[5...]) == [FramedMessage(bytes: ready, value: .backend(.readyForQuery(.init(status: .idle))))])
        #expect(framer.buffered.isEmpty)
    }
}
