// ServerConnection+Forwarding: server bytes to the leased client, verbatim except where the
// response queue says a message answers the proxy itself or a synthetic answer is due.
import Logging
import SwitchyardIO
import SwitchyardSession
import SwitchyardWire

extension ServerConnection {
    /// Messages larger than this pass through as they arrive instead of being buffered whole.
    private static let streamingThreshold = 16 * 1024

    /// Forwards what the server sent to the leased client.
    ///
    /// Runs of forwarded messages are handed on as one byte range; when nothing else is queued
    /// for the client, that range is written straight from this connection's buffer.
    func processLeasedInput() {
        guard let buffer = self.inbound, let client = self.client else { return }
        let view = buffer.readableView
        var cursor = 0
        var forwardFrom = 0
        var sawReadyForQuery = false
        var failure: String?
        /// Frames of the answer to forward sit in [forwardFrom, cursor) and the client has seen
        /// nothing of it before: until they are handed over, a server that dies now leaves the
        /// unit retryable (`client.retryFrames` is cleared only at the handover).
        var holdsFirstAnswerBytes = false
        /// The answer was dropped for a retry: the connection ends after this pass.
        var abandonsAnswer = false

        /// Hands the verbatim range [forwardFrom, end) to the client's output buffer.
        func flushRange(upTo end: Int) {
            if end > forwardFrom {
                client.appendOutput(UnsafeRawBufferPointer(rebasing: view[forwardFrom..<end]))
                if holdsFirstAnswerBytes {
                    holdsFirstAnswerBytes = false
                    client.retryFrames = nil
                }
            }
            forwardFrom = end
        }

        /// The server is closing the connection (its farewell came): if the unit can still be
        /// retried, the part of its answer not handed over yet is dropped with everything after
        /// it, so that the client sees none of it and the read runs again elsewhere. (An
        /// immediate shutdown interrupts a query after its RowDescription may already be in the
        /// server's send buffer.) Returns whether it did; the caller then stops reading frames.
        func dropUnfinishedAnswer() -> Bool {
            guard holdsFirstAnswerBytes, !sawReadyForQuery, client.retryFrames?.isEmpty == false else { return false }
            holdsFirstAnswerBytes = false
            abandonsAnswer = true
            cursor = view.count
            forwardFrom = cursor
            return true
        }

        if self.streamingRemaining > 0 {
            let count = min(self.streamingRemaining, view.count)
            self.streamingRemaining -= count
            cursor = count
            if self.streamingDrops { forwardFrom = cursor }
        }

        frames: while cursor < view.count && self.streamingRemaining == 0 {
            let header: FrameHeader
            do {
                guard let parsed = try FrameHeader.parse(view, at: cursor, limit: Int(Int32.max)) else { break }
                // The type and the length it allows, from the header alone: a broken server is
                // dropped now rather than waited for.
                try parsed.checkBackend()
                header = parsed
            } catch {
                failure = Self.describe(error, type: view[cursor])
                break
            }
            let available = view.count - cursor
            let id = header.id
            if header.frameSize > available {
                let isStreamable = id == BackendMessageID.dataRow.rawValue || id == BackendMessageID.copyData.rawValue
                guard isStreamable && header.frameSize > Self.streamingThreshold else {
                    if header.frameSize > buffer.capacity { buffer.reserveWritable(header.frameSize - available) }
                    break
                }
                let drops = self.verdict(for: id, cursor: cursor, flushRange: flushRange) == .drop
                if !drops { client.retryFrames = nil }
                self.streamingRemaining = header.frameSize - available
                self.streamingDrops = drops
                if drops { flushRange(upTo: cursor) }
                cursor = view.count
                if drops { forwardFrom = cursor }
                break
            }
            let body = UnsafeRawBufferPointer(rebasing: view[(cursor + FrameHeader.size)..<(cursor + header.frameSize)])
            // What the server says of itself is checked before it changes anything: the request
            // a ReadyForQuery ends stays pending, so the client still gets its answer when the
            // connection is dropped.
            var errorFields: BackendMessage.ErrorFields?
            if id == BackendMessageID.readyForQuery.rawValue {
                guard TransactionStatus(rawValue: body[0]) != nil else {
                    failure = "invalid ReadyForQuery status \(body[0]) from server"
                    break frames
                }
            } else if id == BackendMessageID.errorResponse.rawValue || id == BackendMessageID.noticeResponse.rawValue {
                guard let fields = Self.wellFormedFields(body) else {
                    failure = "malformed \(id == BackendMessageID.errorResponse.rawValue ? "ErrorResponse" : "NoticeResponse") from server"
                    break frames
                }
                errorFields = fields
            }
            var drop = false
            switch BackendMessageID(rawValue: id) {
            case .notificationResponse:
                drop = self.queue.headDisposition == .swallow
            case .noticeResponse:
                drop = self.queue.headDisposition == .swallow
                if let fields = errorFields, let code = fields.sqlState, code.code.hasPrefix("57P") {
                    // The server's warning that it is going down (immediate shutdown, crash): the
                    // connection is about to close, and the client hears of that as 08006, or not
                    // at all when its read is retried elsewhere.
                    self.farewell = fields.message
                    if dropUnfinishedAnswer() { break frames }
                    drop = true
                }
                if !drop {
                    // Notices are forwarded as they come; a retried read may repeat one.
                    flushRange(upTo: cursor + header.frameSize)
                    cursor += header.frameSize
                    continue frames
                }
            case .parameterStatus:
                var reader = WireReader(body)
                if let status = try? BackendMessage.ParameterStatus.decode(from: &reader) {
                    self.parameters[status.name] = status.value
                    drop = client.reportedParameters[status.name] == status.value
                    if !drop { client.reportedParameters[status.name] = status.value }
                } else {
                    failure = "invalid ParameterStatus from server"
                    break frames
                }
            case .dataRow where self.queue.headDisposition == .probe:
                var reader = WireReader(body)
                if let row = try? BackendMessage.DataRow.decode(from: &reader), let value = row.values.first ?? nil {
                    client.probeAnswered(String(decoding: value, as: UTF8.self))
                }
                _ = self.verdict(for: id, cursor: cursor, flushRange: flushRange)
                drop = true
            case _ where self.queue.headDisposition == .fanOut:
                // One part of a statement running on several servers: the merge takes it.
                client.multiShardMessage(from: self, id: id, body: body)
                drop = true
                if self.verdict(for: id, cursor: cursor, flushRange: flushRange) == .dropReadyForQuery {
                    var reader = WireReader(body)
                    if let ready = try? BackendMessage.ReadyForQuery.decode(from: &reader) { self.transactionStatus = ready.status }
                    sawReadyForQuery = true
                }
            default:
                if let fields = errorFields {
                    if fields.severityText == "FATAL" || fields.severityText == "PANIC" {
                        // The server is closing this connection, not the client's session: the
                        // client keeps its connection to the proxy, so it is told of the loss
                        // (08006, or a retry of its read) when the connection closes, not FATAL.
                        self.isDoomed = true
                        self.farewell = fields.message
                        if dropUnfinishedAnswer() { break frames }
                        flushRange(upTo: cursor)
                        forwardFrom = cursor + header.frameSize
                        cursor += header.frameSize
                        continue frames
                    }
                }
                let verdict = self.verdict(for: id, cursor: cursor, flushRange: flushRange)
                switch verdict {
                case .forward, .forwardInjectedError:
                    if id == BackendMessageID.errorResponse.rawValue {
                        client.unitHadError = true
                    } else if id == BackendMessageID.commandComplete.rawValue && !client.pendingSettings.isEmpty {
                        var reader = WireReader(body)
                        client.lastCommandTag = try? BackendMessage.CommandComplete.decode(from: &reader).tag
                    }
                case .drop:
                    drop = true
                case .dropInjectedError:
                    drop = true
                    let fields = errorFields
                    if client.commit != nil {
                        client.injectedQueryFailed(on: self, fields: fields)
                    } else {
                        self.context.logger.warning(
                            "a query the proxy sent failed",
                            metadata: ["server": "\(self.serverName)", "client.id": "\(client.id)", "error": "\(fields?.message ?? "")"]
                        )
                    }
                case .forwardReadyForQuery, .dropReadyForQuery:
                    var reader = WireReader(body)
                    guard let ready = try? BackendMessage.ReadyForQuery.decode(from: &reader) else {
                        failure = "invalid ReadyForQuery from server"
                        break frames
                    }
                    self.transactionStatus = ready.status
                    if verdict == .forwardReadyForQuery {
                        client.transactionStatus = ready.status
                    } else {
                        drop = true
                    }
                    sawReadyForQuery = true
                case .unexpected:
                    failure = "server sent message type \(id) with no request pending"
                    break frames
                }
            }
            if drop {
                flushRange(upTo: cursor)
                forwardFrom = cursor + header.frameSize
            } else if client.retryFrames != nil {
                holdsFirstAnswerBytes = true
            }
            cursor += header.frameSize
            self.queue.emitDue { synthetic in
                flushRange(upTo: cursor)
                client.appendSynthetic(synthetic)
            }
        }

        // Hand the last verbatim run over: straight from this buffer when nothing is queued ahead.
        if holdsFirstAnswerBytes { client.retryFrames = nil }
        if forwardFrom < cursor {
            if client.hasPendingOutput {
                flushRange(upTo: cursor)
            } else {
                _ = client.send(UnsafeRawBufferPointer(rebasing: view[forwardFrom..<cursor]))
            }
        }
        buffer.consume(cursor)
        if client.hasPendingOutput && !client.flush() && !client.isClosed {
            self.isReadPaused = true
        }
        if let failure {
            self.context.logger.error("server protocol violation", metadata: ["server": "\(self.serverName)", "error": "\(failure)"])
            self.close()
            return
        }
        if abandonsAnswer && !self.isClosed {
            // Whatever else this server would send belongs to the answer the client will not see.
            self.lost(reason: "server closed the connection: \(self.farewell ?? "shutting down")")
            return
        }
        if sawReadyForQuery && self.queue.isEmpty && !self.isClosed {
            if client.multiShard != nil && client.commit == nil {
                client.multiShardPartDone(self)
            } else if client.commit != nil {
                client.injectedQueriesDone(on: self)
            } else {
                client.serverBecameReady(self)
            }
        }
    }

    /// Why a server's message header was refused, for the log.
    private static func describe(_ error: WireDecodingError, type: UInt8) -> String {
        switch error {
        case .unknownMessageType: return "server sent a message of unknown type \(type)"
        default: return "invalid message of type \(type) from server: \(error.message)"
        }
    }

    /// The fields of an ErrorResponse or NoticeResponse body when it is one PostgreSQL could have
    /// sent: terminated, with the severity, SQLSTATE and message it always includes ("Error and
    /// Notice Message Fields"). Anything less is a broken server, whose text is not passed on.
    private static func wellFormedFields(_ body: UnsafeRawBufferPointer) -> BackendMessage.ErrorFields? {
        var reader = WireReader(body)
        guard let fields = try? BackendMessage.ErrorFields.decode(from: &reader),
            fields[BackendMessage.ErrorFields.severity] != nil, fields.sqlState != nil, fields.message != nil
        else { return nil }
        return fields
    }

    /// Classifies a non-asynchronous message, emitting synthetic answers that fall due before it.
    private func verdict(
        for id: UInt8,
        cursor: Int,
        flushRange: (Int) -> Void
    ) -> ResponseVerdict {
        guard let client = self.client else { return .drop }
        return self.queue.serverMessage(
            id,
            forget: { request in self.parseFailed(request) },
            prepared: { statementID in self.context.shared.statements.markValidated(statementID) },
            emit: { synthetic in
                flushRange(cursor)
                client.appendSynthetic(synthetic)
            }
        )
    }

    /// A Parse that did not happen: the server lacks the statement, and if the client asked for
    /// it, the client's name for it does not exist either.
    private func parseFailed(_ request: PendingRequest) {
        if request.statementID != 0 { self.statements.remove(request.statementID) }
        if request.disposition == .forward { self.client?.statementFailed(request.statementID) }
    }

    /// Input while pooled or resetting: only the reset's answer, notices, or a farewell error.
    func processUnleasedInput() {
        guard let buffer = self.inbound else { return }
        while !self.isClosed {
            let view = buffer.readableView
            let header: FrameHeader
            do {
                guard let parsed = try FrameHeader.parse(view, at: 0, limit: 1 << 20) else { return }
                try parsed.checkBackend()
                header = parsed
            } catch {
                self.lost(reason: "while idle, " + Self.describe(error, type: view[0]))
                return
            }
            guard header.frameSize <= view.count else {
                buffer.reserveWritable(header.frameSize - view.count)
                return
            }
            let id = header.id
            switch BackendMessageID(rawValue: id) {
            case .noticeResponse, .notificationResponse:
                break
            case .parameterStatus:
                var reader = WireReader(UnsafeRawBufferPointer(rebasing: view[FrameHeader.size..<header.frameSize]))
                if let status = try? BackendMessage.ParameterStatus.decode(from: &reader) {
                    self.parameters[status.name] = status.value
                }
            default:
                guard case .resetting = self.phase else {
                    // An idle server speaking is saying goodbye (administrator shutdown, termination).
                    self.lost(reason: "server sent message type \(id) while idle")
                    return
                }
                let verdict = self.queue.serverMessage(id, forget: { self.statements.remove($0.statementID) }, emit: { _ in })
                if verdict == .unexpected {
                    self.lost(reason: "server sent message type \(id) during reset")
                    return
                }
                if id == BackendMessageID.readyForQuery.rawValue && self.queue.isEmpty {
                    buffer.consume(header.frameSize)
                    self.resetFinished()
                    return
                }
            }
            buffer.consume(header.frameSize)
        }
    }
}
