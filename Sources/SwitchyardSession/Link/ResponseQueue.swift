// ResponseQueue: matches each server response to the request that caused it, so the proxy can
// drop answers to requests it injected and insert answers to requests it served itself.
import DequeModule
import SwitchyardWire

/// A request sent to a server whose answer has not fully arrived.
package struct PendingRequest: Hashable, Sendable {
    /// The request message, which decides which server messages end its answer.
    package enum Kind: UInt8, Hashable, Sendable {
        case parse, bind, describeStatement, describePortal, execute, close, sync, simpleQuery, functionCall
    }

    /// Whether the client sees the answer.
    package enum Disposition: UInt8, Hashable, Sendable {
        /// The client sent it: pass the answer on.
        case forward
        /// The proxy injected it (a Parse the client does not know about, a SET replay): drop the answer.
        case swallow
        /// The proxy asked for a value (the WAL position after a write): drop the answer, but
        /// the caller reads its rows first.
        case probe
        /// One part of a statement running on several servers: the answer goes to the merge,
        /// not straight to the client.
        case fanOut
    }

    package var kind: Kind
    package var disposition: Disposition
    /// For Parse: the proxy's statement ID it prepares (0 for the unnamed statement), so a failed or
    /// skipped Parse can be forgotten by the server's statement cache.
    package var statementID: UInt64

    package init(_ kind: Kind, _ disposition: Disposition = .forward, statementID: UInt64 = 0) {
        self.kind = kind
        self.disposition = disposition
        self.statementID = statementID
    }

    /// Requests whose answer runs until ReadyForQuery, errors included.
    var endsAtReadyForQuery: Bool {
        switch self.kind {
        case .sync, .simpleQuery, .functionCall: return true
        case .parse, .bind, .describeStatement, .describePortal, .execute, .close: return false
        }
    }

    /// Whether `id` is the last message of a successful answer to this request.
    func isTerminator(_ id: UInt8) -> Bool {
        switch self.kind {
        case .parse: return id == BackendMessageID.parseComplete.rawValue
        case .bind: return id == BackendMessageID.bindComplete.rawValue
        case .close: return id == BackendMessageID.closeComplete.rawValue
        case .describeStatement, .describePortal:
            return id == BackendMessageID.rowDescription.rawValue || id == BackendMessageID.noData.rawValue
        case .execute:
            return id == BackendMessageID.commandComplete.rawValue || id == BackendMessageID.emptyQueryResponse.rawValue
                || id == BackendMessageID.portalSuspended.rawValue
        case .sync, .simpleQuery, .functionCall: return id == BackendMessageID.readyForQuery.rawValue
        }
    }
}

/// An answer the proxy gives in place of a server, in its place in the response order.
package enum SyntheticResponse: Hashable, Sendable {
    /// ParseComplete for a Parse of a statement the server already has.
    case parseComplete
    /// CloseComplete for a Close of a client statement (the server keeps its copy cached).
    case closeComplete
    /// An ErrorResponse the proxy raises itself in the middle of an extended-query batch.
    case error(BackendMessage.ErrorFields)
}

/// The verdict on one non-asynchronous server message.
package enum ResponseVerdict: Equatable, Sendable {
    /// Pass the message to the client.
    case forward
    /// Drop it: it answers a request the proxy injected.
    case drop
    /// ReadyForQuery that ends a client's unit of work; forward it.
    case forwardReadyForQuery
    /// ReadyForQuery that ends an injected query; drop it.
    case dropReadyForQuery
    /// An ErrorResponse to a request the proxy injected on the client's behalf (a re-prepare):
    /// the client must see it, as the request it made cannot run.
    case forwardInjectedError
    /// An ErrorResponse ending an injected simple query (a SET replay); drop it, report it.
    case dropInjectedError
    /// No request is pending: the server spoke out of turn.
    case unexpected
}

/// The queue of requests in flight on one server connection, in the order the server answers them.
package struct ResponseQueue: Sendable {
    private enum Entry: Hashable, Sendable {
        case request(PendingRequest, sequence: UInt64)
        case synthetic(SyntheticResponse)
    }

    private var entries: Deque<Entry> = []
    private var nextSequence: UInt64 = 1
    /// The sequence number of the Execute that put the server into COPY FROM STDIN mode (extended
    /// protocol), while it lasts.
    private var copyInSequence: UInt64?

    package init() {}

    /// No request or synthetic answer is outstanding.
    package var isEmpty: Bool { self.entries.isEmpty }

    /// Number of outstanding entries (requests and synthetic answers).
    package var count: Int { self.entries.count }

    /// The disposition of the request being answered now, if any.
    package var headDisposition: PendingRequest.Disposition? {
        for entry in self.entries {
            if case .request(let request, _) = entry { return request.disposition }
        }
        return nil
    }

    /// Whether a request the client sent (rather than the proxy) is outstanding.
    package var hasClientRequests: Bool {
        self.entries.contains { entry in
            if case .request(let request, _) = entry { return request.disposition == .forward }
            return false
        }
    }

    /// Whether the client waits for a ReadyForQuery from this server (a Sync, simple query or
    /// function call of its own is outstanding).
    package var isClientAwaitingReady: Bool {
        self.entries.contains { entry in
            if case .request(let request, _) = entry { return request.disposition == .forward && request.endsAtReadyForQuery }
            return false
        }
    }

    /// Records a request just written to the server.
    package mutating func push(_ request: PendingRequest) {
        self.entries.append(.request(request, sequence: self.nextSequence))
        self.nextSequence &+= 1
    }

    /// Records an answer the proxy gives itself; emits it at once when nothing is ahead of it.
    package mutating func push(_ synthetic: SyntheticResponse, emit: (SyntheticResponse) -> Void) {
        self.entries.append(.synthetic(synthetic))
        self.emitLeadingSynthetics(emit)
    }

    /// Classifies one server message that is not asynchronous (not NoticeResponse,
    /// NotificationResponse or ParameterStatus). Synthetic answers due before it are emitted
    /// first; those that fall due because it ended a request wait for `emitDue(_:)`, which the
    /// caller runs once the message itself has been passed on.
    ///
    /// - Parameters:
    ///   - id: the message type byte.
    ///   - forget: called with every Parse that the server did not carry out (it failed, or an
    ///     earlier error made the server skip it), so its statement can be forgotten.
    ///   - prepared: called with the statement ID of each Parse the server carried out.
    ///   - emit: called with each synthetic answer due before this message, in order.
    package mutating func serverMessage(
        _ id: UInt8,
        forget: (PendingRequest) -> Void,
        prepared: (UInt64) -> Void = { _ in },
        emit: (SyntheticResponse) -> Void
    ) -> ResponseVerdict {
        self.emitLeadingSynthetics(emit)
        guard case .request(let head, let sequence)? = self.entries.first else { return .unexpected }
        let isError = id == BackendMessageID.errorResponse.rawValue

        if head.endsAtReadyForQuery {
            guard id == BackendMessageID.readyForQuery.rawValue else {
                if isError && head.disposition != .forward { return .dropInjectedError }
                return head.disposition == .forward ? .forward : .drop
            }
            self.entries.removeFirst()
            return head.disposition == .forward ? .forwardReadyForQuery : .dropReadyForQuery
        }

        if isError {
            // The server now discards every message up to the next Sync, so every request before
            // that Sync gets no answer, and synthetic answers there must not appear either.
            self.entries.removeFirst()
            if head.kind == .parse { forget(head) }
            if self.copyInSequence == sequence { self.copyInSequence = nil }
            self.skipUntilSync(forget: forget)
            return head.disposition == .forward ? .forward : .forwardInjectedError
        }

        if id == BackendMessageID.copyInResponse.rawValue && head.kind == .execute {
            self.copyInSequence = sequence
        }
        if head.isTerminator(id) {
            self.entries.removeFirst()
            if head.kind == .parse && head.statementID != 0 { prepared(head.statementID) }
        }
        return head.disposition == .forward ? .forward : .drop
    }

    /// Emits the synthetic answers now at the head of the queue, in order.
    package mutating func emitDue(_ emit: (SyntheticResponse) -> Void) {
        self.emitLeadingSynthetics(emit)
    }

    /// The client ended COPY FROM STDIN (CopyDone or CopyFail). Syncs it sent during the copy
    /// were read by the server in copy mode, where PostgreSQL ignores them, so no ReadyForQuery
    /// will answer them: forget them.
    package mutating func copyInEnded() {
        guard let start = self.copyInSequence else { return }
        self.copyInSequence = nil
        self.entries.removeAll { entry in
            if case .request(let request, let sequence) = entry { return request.kind == .sync && sequence > start }
            return false
        }
    }

    /// Drops everything outstanding (the server connection is gone), reporting pending Parses.
    package mutating func removeAll(forget: (PendingRequest) -> Void) {
        for entry in self.entries {
            if case .request(let request, _) = entry, request.kind == .parse { forget(request) }
        }
        self.entries.removeAll()
        self.copyInSequence = nil
    }

    private mutating func skipUntilSync(forget: (PendingRequest) -> Void) {
        while let first = self.entries.first {
            switch first {
            case .request(let request, _):
                // PostgreSQL discards every message up to Sync after an error, simple queries included.
                if request.kind == .sync { return }
                if request.kind == .parse { forget(request) }
            case .synthetic:
                break
            }
            self.entries.removeFirst()
        }
    }

    private mutating func emitLeadingSynthetics(_ emit: (SyntheticResponse) -> Void) {
        while case .synthetic(let response)? = self.entries.first {
            self.entries.removeFirst()
            emit(response)
        }
    }
}
