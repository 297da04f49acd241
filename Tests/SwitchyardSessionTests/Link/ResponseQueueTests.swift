// ResponseQueueTests: transcripts of server answers matched to the requests that caused them.
import SwitchyardSession
import SwitchyardWire
import Testing

@Suite struct ResponseQueueTests {
    /// Server message type bytes, as the protocol documentation lists them.
    enum B {
        static let parseComplete = UInt8(ascii: "1")
        static let bindComplete = UInt8(ascii: "2")
        static let closeComplete = UInt8(ascii: "3")
        static let commandComplete = UInt8(ascii: "C")
        static let dataRow = UInt8(ascii: "D")
        static let error = UInt8(ascii: "E")
        static let noData = UInt8(ascii: "n")
        static let parameterDescription = UInt8(ascii: "t")
        static let rowDescription = UInt8(ascii: "T")
        static let ready = UInt8(ascii: "Z")
        static let copyIn = UInt8(ascii: "G")
        static let copyOut = UInt8(ascii: "H")
        static let copyData = UInt8(ascii: "d")
        static let copyDone = UInt8(ascii: "c")
    }

    /// Feeds one server message, collecting synthetic answers emitted before and after it.
    final class Harness {
        var queue = ResponseQueue()
        var emitted: [SyntheticResponse] = []
        var forgotten: [UInt64] = []
        var prepared: [UInt64] = []

        func server(_ id: UInt8) -> ResponseVerdict {
            var emitted: [SyntheticResponse] = []
            var forgotten: [UInt64] = []
            var prepared: [UInt64] = []
            let verdict = self.queue.serverMessage(
                id,
                forget: { forgotten.append($0.statementID) },
                prepared: { prepared.append($0) },
                emit: { emitted.append($0) }
            )
            self.queue.emitDue { emitted.append($0) }
            self.emitted += emitted
            self.forgotten += forgotten
            self.prepared += prepared
            return verdict
        }

        func synthetic(_ response: SyntheticResponse) {
            var emitted: [SyntheticResponse] = []
            self.queue.push(response) { emitted.append($0) }
            self.emitted += emitted
        }
    }

    @Test func simpleQueryRunsUntilReadyForQueryEvenAfterAnError() {
        let h = Harness()
        h.queue.push(PendingRequest(.simpleQuery))
        #expect(h.server(B.rowDescription) == .forward)
        #expect(h.server(B.dataRow) == .forward)
        #expect(h.server(B.error) == .forward)
        #expect(h.server(B.ready) == .forwardReadyForQuery)
        #expect(h.queue.isEmpty)
    }

    @Test func extendedBatchEndsEachRequestAtItsOwnTerminator() {
        let h = Harness()
        for kind: PendingRequest.Kind in [.parse, .bind, .describePortal, .execute, .sync] {
            h.queue.push(PendingRequest(kind, statementID: kind == .parse ? 7 : 0))
        }
        #expect(h.server(B.parseComplete) == .forward)
        #expect(h.prepared == [7])
        #expect(h.server(B.bindComplete) == .forward)
        #expect(h.server(B.rowDescription) == .forward)
        #expect(h.server(B.dataRow) == .forward)
        #expect(h.server(B.commandComplete) == .forward)
        #expect(h.queue.count == 1)
        #expect(h.server(B.ready) == .forwardReadyForQuery)
        #expect(h.queue.isEmpty)
    }

    @Test func describeStatementWaitsForRowDescriptionOrNoData() {
        let h = Harness()
        h.queue.push(PendingRequest(.describeStatement))
        h.queue.push(PendingRequest(.sync))
        #expect(h.server(B.parameterDescription) == .forward)
        #expect(h.queue.count == 2)
        #expect(h.server(B.noData) == .forward)
        #expect(h.queue.count == 1)
    }

    @Test func injectedParseIsSwallowedAndItsStatementMarkedPrepared() {
        let h = Harness()
        h.queue.push(PendingRequest(.parse, .swallow, statementID: 3))
        h.queue.push(PendingRequest(.bind))
        h.queue.push(PendingRequest(.sync))
        #expect(h.server(B.parseComplete) == .drop)
        #expect(h.prepared == [3])
        #expect(h.server(B.bindComplete) == .forward)
        #expect(h.server(B.ready) == .forwardReadyForQuery)
    }

    @Test func syntheticAnswerWithNothingAheadIsEmittedAtOnce() {
        let h = Harness()
        h.synthetic(.parseComplete)
        #expect(h.emitted == [.parseComplete])
        #expect(h.queue.isEmpty)
    }

    /// The ordering bug this guards against: a synthetic ParseComplete queued behind an
    /// in-flight Sync must come after that Sync's ReadyForQuery, not before it.
    @Test func syntheticAnswerQueuedBehindARequestComesAfterItsLastMessage() {
        let h = Harness()
        h.queue.push(PendingRequest(.execute))
        h.queue.push(PendingRequest(.sync))
        h.synthetic(.parseComplete)
        h.queue.push(PendingRequest(.sync))
        #expect(h.emitted.isEmpty)
        #expect(h.server(B.commandComplete) == .forward)
        #expect(h.emitted.isEmpty)
        #expect(h.server(B.ready) == .forwardReadyForQuery)
        #expect(h.emitted == [.parseComplete])
        #expect(h.server(B.ready) == .forwardReadyForQuery)
        #expect(h.queue.isEmpty)
    }

    @Test func errorSkipsEverythingUpToSyncIncludingSyntheticAnswers() {
        let h = Harness()
        h.queue.push(PendingRequest(.bind))
        h.synthetic(.closeComplete)
        h.queue.push(PendingRequest(.parse, statementID: 9))
        h.queue.push(PendingRequest(.execute))
        h.queue.push(PendingRequest(.sync))
        h.queue.push(PendingRequest(.bind))
        #expect(h.server(B.error) == .forward)
        #expect(h.emitted.isEmpty)
        #expect(h.forgotten == [9])
        #expect(h.queue.count == 2)
        #expect(h.server(B.ready) == .forwardReadyForQuery)
        #expect(h.server(B.bindComplete) == .forward)
    }

    @Test func errorAnsweringAnInjectedParseReachesTheClient() {
        let h = Harness()
        h.queue.push(PendingRequest(.parse, .swallow, statementID: 4))
        h.queue.push(PendingRequest(.bind))
        h.queue.push(PendingRequest(.sync))
        #expect(h.server(B.error) == .forwardInjectedError)
        #expect(h.forgotten == [4])
        #expect(h.server(B.ready) == .forwardReadyForQuery)
    }

    @Test func injectedQueryIsDroppedWholeIncludingItsError() {
        let h = Harness()
        h.queue.push(PendingRequest(.simpleQuery, .swallow))
        h.queue.push(PendingRequest(.simpleQuery))
        #expect(h.queue.headDisposition == .swallow)
        #expect(h.server(B.commandComplete) == .drop)
        #expect(h.server(B.error) == .dropInjectedError)
        #expect(h.server(B.ready) == .dropReadyForQuery)
        #expect(h.queue.headDisposition == .forward)
        #expect(h.server(B.commandComplete) == .forward)
        #expect(h.server(B.ready) == .forwardReadyForQuery)
    }

    @Test func messageWithNothingPendingIsUnexpected() {
        let h = Harness()
        #expect(h.server(B.commandComplete) == .unexpected)
    }

    /// libpq sends Sync right after Execute of COPY FROM STDIN and another after CopyDone;
    /// PostgreSQL ignores the first (it arrives in copy mode), so only one ReadyForQuery comes.
    @Test func syncSentDuringCopyInIsForgottenWhenTheCopyEnds() {
        let h = Harness()
        h.queue.push(PendingRequest(.execute))
        h.queue.push(PendingRequest(.sync))
        #expect(h.server(B.copyIn) == .forward)
        h.queue.copyInEnded()
        h.queue.push(PendingRequest(.sync))
        #expect(h.server(B.commandComplete) == .forward)
        #expect(h.server(B.ready) == .forwardReadyForQuery)
        #expect(h.queue.isEmpty)
    }

    @Test func copyOutRunsUntilCommandComplete() {
        let h = Harness()
        h.queue.push(PendingRequest(.execute))
        h.queue.push(PendingRequest(.sync))
        #expect(h.server(B.copyOut) == .forward)
        #expect(h.server(B.copyData) == .forward)
        #expect(h.server(B.copyDone) == .forward)
        #expect(h.queue.count == 2)
        #expect(h.server(B.commandComplete) == .forward)
        #expect(h.queue.count == 1)
    }

    @Test func clientAwaitsReadyOnlyForItsOwnSyncs() {
        var queue = ResponseQueue()
        queue.push(PendingRequest(.simpleQuery, .swallow))
        #expect(!queue.isClientAwaitingReady)
        #expect(!queue.hasClientRequests)
        queue.push(PendingRequest(.bind))
        #expect(!queue.isClientAwaitingReady)
        #expect(queue.hasClientRequests)
        queue.push(PendingRequest(.sync))
        #expect(queue.isClientAwaitingReady)
    }
}
