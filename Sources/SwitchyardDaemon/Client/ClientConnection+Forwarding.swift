// ClientConnection+Forwarding: client messages to the linked server, with prepared statements
// renamed to the proxy's shared names and prepared on demand.
import SwitchyardAdmin
import SwitchyardRouting
import SwitchyardSQL
import SwitchyardIO
import SwitchyardSession
import SwitchyardWire

extension ClientConnection {
    /// What handling one message did.
    enum Step {
        /// Done with the message; go on.
        case consumed
        /// The message needs a server connection; it stays buffered until one is leased.
        case needsServer
        /// Stop processing (the client closed or must wait).
        case stop
        /// The message now goes to another server: handle it again.
        case switched
    }

    /// Handles every complete message in the buffer while logged in.
    func processReadyInput() {
        guard let buffer = self.inbound else { return }
        let limit = self.context.config.maxMessageBytes
        while !self.isClosed && !self.isReadPaused && !self.isWaitingForLease {
            let view = buffer.readableView
            guard let type = view.first else { return }
            // PostgreSQL refuses an unknown type byte as soon as it reads it, before the length:
            // a body that will never come (a StartupMessage read as type 0) is not waited for.
            switch FrontendMessageID(rawValue: type) {
            case .password, nil:
                self.fail(ProxyError(.protocolViolation, .fatal, WireDecodingError.unknownMessageType(type).message))
                return
            case .bind, .close, .copyData, .copyDone, .copyFail, .describe, .execute, .flush, .functionCall, .parse, .query,
                .sync, .terminate:
                break
            }
            let header: FrameHeader
            do {
                guard let parsed = try FrameHeader.parse(view, at: 0, limit: limit) else { return }
                header = parsed
            } catch {
                self.fail(ProxyError(.protocolViolation, .fatal, error.message))
                return
            }
            guard header.frameSize <= view.count else {
                buffer.reserveWritable(header.frameSize - view.count)
                return
            }
            let frame = UnsafeRawBufferPointer(rebasing: view[0..<header.frameSize])
            var step: Step
            if let server = self.link {
                if self.transactionStatus != .idle && !self.isPinned && !self.isInExtendedBatch
                    && !self.isDiscardingUntilSync && self.mayCrossClusters,
                    let routed = self.routeWithinTransaction(header.id, frame: frame, current: server)
                {
                    step = routed
                } else {
                    step = self.forward(header.id, frame: frame, to: server)
                }
            } else {
                step = self.handleUnlinked(header.id, frame: frame)
            }
            switch step {
            case .consumed:
                buffer.consume(header.frameSize)
            case .needsServer:
                self.requestLease()
            case .stop:
                return
            case .switched:
                continue
            }
        }
    }

    /// A message with no server linked: answered here when it needs no server.
    private func handleUnlinked(_ id: UInt8, frame: UnsafeRawBufferPointer) -> Step {
        switch FrontendMessageID(rawValue: id) {
        case .terminate:
            self.close()
            return .stop
        case .sync where frame.count != FrameHeader.size, .flush where frame.count != FrameHeader.size:
            return self.refuseBody()
        case .sync:
            // Nothing runs anywhere: answer the Sync here.
            self.isDiscardingUntilSync = false
            self.isInExtendedBatch = false
            self.appendReadyForQuery()
            return .consumed
        case .flush, .copyData, .copyDone, .copyFail:
            // Flush with nothing pending, or the rest of a COPY whose server is gone.
            return .consumed
        case .close where self.isDiscardingUntilSync:
            return .consumed
        case .close:
            return self.closeStatementWithoutServer(frame) ?? .needsServer
        case .parse where !self.isDiscardingUntilSync && !self.isTransactionLost:
            if let step = self.parseWithoutServer(frame) { return step }
            return self.routeExtendedBatch(IOBufferView(bytes: self.inbound!.readableView))
        case .query:
            if self.isTransactionLost { return self.answerLostTransaction(frame) }
            return self.routeQuery(frame)
        case .parse, .bind, .describe, .execute:
            if self.isDiscardingUntilSync { return .consumed }
            if self.isTransactionLost { return self.answerLostTransaction(frame) }
            return self.routeExtendedBatch(IOBufferView(bytes: self.inbound!.readableView))
        case .functionCall:
            if self.isTransactionLost { return self.answerLostTransaction(frame) }
            self.pendingTarget = nil
            return .needsServer
        case .password, nil:
            self.fail(ProxyError(.protocolViolation, .fatal, "invalid frontend message type \(id)"))
            return .stop
        }
    }

    /// Sync and Flush have no body; PostgreSQL raises 08P01 for one that has (pq_getmsgend).
    /// The proxy makes it FATAL, as it does every malformed message.
    private func refuseBody() -> Step {
        self.fail(ProxyError(.protocolViolation, .fatal, "invalid message format"))
        return .stop
    }

    /// Close of a named statement needs no server: the server's copy stays cached for reuse.
    private func closeStatementWithoutServer(_ frame: UnsafeRawBufferPointer) -> Step? {
        guard let close = Self.decode(frame, FrontendMessage.Close.decode) else {
            self.fail(ProxyError(.protocolViolation, .fatal, "invalid Close message"))
            return .stop
        }
        guard close.kind == .statement, !close.name.isEmpty else { return nil }
        self.statements[close.name] = nil
        self.isInExtendedBatch = true
        self.appendSynthetic(.closeComplete)
        return .consumed
    }

    /// Parse of a named statement that some server already prepared successfully needs no
    /// server now: it is prepared on whichever server runs the client's next Bind. Besides
    /// saving a round trip, this keeps clients that prepare synchronously while holding other
    /// transactions open (pgbench -M prepared) from waiting on a pool they themselves fill.
    private func parseWithoutServer(_ frame: UnsafeRawBufferPointer) -> Step? {
        guard let parse = Self.decode(frame, FrontendMessage.RawParse.decode) else {
            self.fail(ProxyError(.protocolViolation, .fatal, "invalid Parse message"))
            return .stop
        }
        guard !parse.name.isEmpty, self.statements[parse.name] == nil else { return nil }
        let (id, isValidated) = self.context.shared.statements.id(query: parse.query, parameterTypes: parse.parameterTypes)
        guard isValidated else { return nil }
        self.statements[parse.name] = ClientStatement(
            id: id, query: parse.query, parameterTypes: parse.parameterTypes, analysis: self.analyzeStatement(parse.query))
        self.isInExtendedBatch = true
        self.appendSynthetic(.parseComplete)
        return .consumed
    }

    /// Forwards one message to the linked server.
    private func forward(_ id: UInt8, frame: UnsafeRawBufferPointer, to server: ServerConnection) -> Step {
        if self.isDiscardingUntilSync && id != FrontendMessageID.sync.rawValue && id != FrontendMessageID.terminate.rawValue {
            return .consumed
        }
        if self.retryFrames != nil { self.retryFrames!.append(contentsOf: frame) }
        switch FrontendMessageID(rawValue: id) {
        case .query:
            let text = Self.queryText(frame)
            let analysis = self.context.classifier.analyze(text)
            if self.noteSessionEffects(analysis, text: text) { return .consumed }
            if self.unitStartedAt == 0 {
                // A statement inside a transaction: no routing, but timed and counted.
                self.unitStartedAt = self.context.loop.now
                self.unitKind = analysis.isWrite ? .write : (analysis.statements.allSatisfy { $0.kind.isRead } ? .read : .other)
            }
            server.unnamedOwner = 0
            server.appendOutput(frame)
            server.queue.push(PendingRequest(.simpleQuery))
            self.isInExtendedBatch = false
        case .parse:
            return self.forwardParse(frame, to: server)
        case .bind:
            return self.forwardBind(frame, to: server)
        case .describe:
            return self.forwardDescribe(frame, to: server)
        case .close:
            return self.forwardClose(frame, to: server)
        case .execute:
            server.appendOutput(frame)
            server.queue.push(PendingRequest(.execute))
            self.isInExtendedBatch = true
        case .sync where frame.count != FrameHeader.size, .flush where frame.count != FrameHeader.size:
            return self.refuseBody()
        case .sync:
            server.appendOutput(frame)
            server.queue.push(PendingRequest(.sync))
            self.isDiscardingUntilSync = false
            self.isInExtendedBatch = false
        case .flush, .copyData:
            server.appendOutput(frame)
        case .copyDone, .copyFail:
            server.appendOutput(frame)
            server.queue.copyInEnded()
        case .functionCall:
            server.appendOutput(frame)
            server.queue.push(PendingRequest(.functionCall))
        case .terminate:
            self.close()
            return .stop
        case .password, nil:
            self.fail(ProxyError(.protocolViolation, .fatal, "invalid frontend message type \(id)"))
            return .stop
        }
        return .consumed
    }

    // MARK: - Extended query

    private func forwardParse(_ frame: UnsafeRawBufferPointer, to server: ServerConnection) -> Step {
        guard let parse = Self.decode(frame, FrontendMessage.RawParse.decode) else {
            self.fail(ProxyError(.protocolViolation, .fatal, "invalid Parse message"))
            return .stop
        }
        self.isInExtendedBatch = true
        // A retry would parse a named statement twice; such units are not retried.
        if !parse.name.isEmpty { self.retryFrames = nil }
        let analysis = self.batchAnalyses.removeValue(forKey: parse.name) ?? self.analyzeStatement(parse.query)
        if !analysis.pinning.isEmpty { self.isPinned = true }
        if parse.name.isEmpty {
            self.unnamedToken = self.context.makeID()
            self.unnamedStatement = ClientStatement(
                id: 0, query: parse.query, parameterTypes: parse.parameterTypes, analysis: analysis)
            server.unnamedOwner = self.unnamedToken
            server.appendOutput(frame)
            server.queue.push(PendingRequest(.parse))
            return .consumed
        }
        guard self.statements[parse.name] == nil else {
            self.raiseInBatch(
                ProxyError(.duplicatePreparedStatement, .error, "prepared statement \"\(parse.name)\" already exists"),
                on: server
            )
            return .consumed
        }
        let id = self.context.shared.statements.id(query: parse.query, parameterTypes: parse.parameterTypes).id
        self.statements[parse.name] = ClientStatement(
            id: id, query: parse.query, parameterTypes: parse.parameterTypes, analysis: analysis)
        if server.statements.contains(id) {
            server.queue.push(.parseComplete) { self.appendSynthetic($0) }
        } else {
            self.prepare(id, query: parse.query, parameterTypes: parse.parameterTypes, on: server, disposition: .forward)
        }
        return .consumed
    }

    private func forwardBind(_ frame: UnsafeRawBufferPointer, to server: ServerConnection) -> Step {
        var reader = WireReader(UnsafeRawBufferPointer(rebasing: frame[FrameHeader.size...]))
        guard (try? reader.readCStringRange("portal")) != nil, let nameRange = try? reader.readCStringRange("statement"),
            let name = try? reader.string(in: nameRange, field: "statement")
        else {
            self.fail(ProxyError(.protocolViolation, .fatal, "invalid Bind message"))
            return .stop
        }
        self.isInExtendedBatch = true
        guard !name.isEmpty else {
            self.ensureUnnamedStatement(on: server)
            server.appendOutput(frame)
            server.queue.push(PendingRequest(.bind))
            return .consumed
        }
        guard let statement = self.prepared(name, on: server) else { return .consumed }
        // Bind with the statement renamed: header, portal, new name, then the rest verbatim.
        let portalEnd = FrameHeader.size + nameRange.lowerBound
        let restStart = FrameHeader.size + nameRange.upperBound + 1
        var writer = WireWriter(capacity: frame.count + 16)
        writer.writeMessage(FrontendMessageID.bind.rawValue) { writer in
            writer.writeBytes(UnsafeRawBufferPointer(rebasing: frame[FrameHeader.size..<portalEnd]))
            writer.writeCString(StatementRegistry.serverName(statement.id))
            writer.writeBytes(UnsafeRawBufferPointer(rebasing: frame[restStart...]))
        }
        server.appendOutput(writer.bytes)
        server.queue.push(PendingRequest(.bind))
        return .consumed
    }

    private func forwardDescribe(_ frame: UnsafeRawBufferPointer, to server: ServerConnection) -> Step {
        guard let describe = Self.decode(frame, FrontendMessage.Describe.decode) else {
            self.fail(ProxyError(.protocolViolation, .fatal, "invalid Describe message"))
            return .stop
        }
        self.isInExtendedBatch = true
        switch describe.kind {
        case .portal:
            server.appendOutput(frame)
            server.queue.push(PendingRequest(.describePortal))
        case .statement where describe.name.isEmpty:
            self.ensureUnnamedStatement(on: server)
            server.appendOutput(frame)
            server.queue.push(PendingRequest(.describeStatement))
        case .statement:
            guard let statement = self.prepared(describe.name, on: server) else { return .consumed }
            var writer = WireWriter()
            FrontendMessage.Describe(kind: .statement, name: StatementRegistry.serverName(statement.id)).encode(into: &writer)
            server.appendOutput(writer.bytes)
            server.queue.push(PendingRequest(.describeStatement))
        }
        return .consumed
    }

    private func forwardClose(_ frame: UnsafeRawBufferPointer, to server: ServerConnection) -> Step {
        guard let close = Self.decode(frame, FrontendMessage.Close.decode) else {
            self.fail(ProxyError(.protocolViolation, .fatal, "invalid Close message"))
            return .stop
        }
        self.isInExtendedBatch = true
        if close.kind == .statement && !close.name.isEmpty {
            // The server keeps its copy, shared and cached; the client's name is gone.
            self.statements[close.name] = nil
            server.queue.push(.closeComplete) { self.appendSynthetic($0) }
            return .consumed
        }
        if close.kind == .statement {
            self.unnamedStatement = nil
            if server.unnamedOwner == self.unnamedToken { server.unnamedOwner = 0 }
        }
        server.appendOutput(frame)
        server.queue.push(PendingRequest(.close))
        return .consumed
    }

    /// The client's statement `name`, prepared on `server` if it was not yet; `nil` (after
    /// raising the error in the batch) when the client never prepared it.
    private func prepared(_ name: String, on server: ServerConnection) -> ClientStatement? {
        guard let statement = self.statements[name] else {
            self.raiseInBatch(
                ProxyError(.undefinedPreparedStatement, .error, "prepared statement \"\(name)\" does not exist"),
                on: server
            )
            return nil
        }
        if !server.statements.contains(statement.id) {
            self.prepare(statement.id, query: statement.query, parameterTypes: statement.parameterTypes, on: server, disposition: .swallow)
        }
        return statement
    }

    /// Sends Parse for the proxy's statement `id`, closing the least recently used one if the
    /// server's cache is full.
    private func prepare(
        _ id: UInt64,
        query: [UInt8],
        parameterTypes: [Int32],
        on server: ServerConnection,
        disposition: PendingRequest.Disposition
    ) {
        var writer = WireWriter(capacity: query.count + 32)
        if let evicted = server.statements.insert(id) {
            FrontendMessage.Close(kind: .statement, name: StatementRegistry.serverName(evicted)).encode(into: &writer)
            server.queue.push(PendingRequest(.close, .swallow))
        }
        FrontendMessage.Parse.encode(name: StatementRegistry.serverName(id), query: query, parameterTypes: parameterTypes, into: &writer)
        server.appendOutput(writer.bytes)
        server.queue.push(PendingRequest(.parse, disposition, statementID: id))
    }

    /// Re-creates the client's unnamed statement on a server whose unnamed statement is another's.
    private func ensureUnnamedStatement(on server: ServerConnection) {
        guard let statement = self.unnamedStatement, server.unnamedOwner != self.unnamedToken else { return }
        var writer = WireWriter(capacity: statement.query.count + 16)
        FrontendMessage.Parse.encode(name: "", query: statement.query, parameterTypes: statement.parameterTypes, into: &writer)
        server.appendOutput(writer.bytes)
        server.queue.push(PendingRequest(.parse, .swallow))
        server.unnamedOwner = self.unnamedToken
    }

    /// Raises an ERROR in the middle of an extended batch, in its place in the response order,
    /// and drops the client's messages up to its Sync, as PostgreSQL does.
    func raiseInBatch(_ error: some ClientFacingError, on server: ServerConnection) {
        server.queue.push(.error(BackendMessage.ErrorFields(reporting: error))) { self.appendSynthetic($0) }
        self.isDiscardingUntilSync = true
    }

    /// Decodes a whole frame's body with `decode`, or `nil` when malformed.
    static func decode<T>(
        _ frame: UnsafeRawBufferPointer,
        _ decode: (inout WireReader) throws(WireDecodingError) -> T
    ) -> T? {
        var reader = WireReader(UnsafeRawBufferPointer(rebasing: frame[FrameHeader.size...]))
        return try? decode(&reader)
    }
}
