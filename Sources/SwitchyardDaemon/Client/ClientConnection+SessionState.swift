// ClientConnection+SessionState: what a client's statements do to its session — settings that
// must follow it to other server connections, state that pins it, DISCARD and DEALLOCATE — and
// the bookkeeping at the end of each unit of work.
import SwitchyardIO
import SwitchyardRouting
import SwitchyardHealth
import SwitchyardSQL
import SwitchyardSession
import SwitchyardWire

/// A change to the client's settings that takes effect if its transaction commits.
enum SettingChange {
    case set(name: String, statement: String)
    case reset(name: String)
    case resetAll
    /// `DISCARD ALL`: settings, prepared statements, and whatever pinned the session.
    case discardAll
    /// A savepoint: changes after it are undone by `ROLLBACK TO` it.
    case savepoint(String)
}

extension ClientConnection {
    /// Notes the session effects of a simple query about to be forwarded. Returns `true` when
    /// the query was answered here instead (DEALLOCATE of a protocol-level statement).
    func noteSessionEffects(_ analysis: SQLAnalysis, text: UnsafeRawBufferPointer) -> Bool {
        if let statement = analysis.single, case .session(.deallocate(let name)) = statement.kind,
            self.deallocateLocally(name)
        {
            return true
        }
        for statement in analysis.statements {
            if !statement.pinning.isEmpty { self.isPinned = true }
            if case .transaction(let command) = statement.kind {
                self.noteSavepoint(command)
                continue
            }
            guard case .session(let command) = statement.kind else { continue }
            switch command {
            case .set(let name, isLocal: false):
                let range = statement.range.clamped(to: 0..<text.count)
                self.pendingSettings.append(.set(name: name, statement: String(decoding: text[range], as: UTF8.self)))
            case .reset(let name?):
                self.pendingSettings.append(.reset(name: name))
            case .reset(nil):
                self.pendingSettings.append(.resetAll)
            case .discard(.all):
                self.pendingSettings.append(.discardAll)
            case .set, .discard, .listen, .unlisten, .prepare, .execute, .deallocate, .declareCursor, .closeCursor, .fetch:
                break
            }
        }
        return false
    }

    /// SAVEPOINT marks the pending changes; ROLLBACK TO undoes those after the mark; RELEASE
    /// keeps them.
    private func noteSavepoint(_ command: TransactionCommand) {
        switch command {
        case .savepoint(let name):
            self.pendingSettings.append(.savepoint(name))
        case .rollbackToSavepoint(let name):
            if let mark = self.pendingSettings.lastIndex(where: { if case .savepoint(name) = $0 { return true } else { return false } }) {
                self.pendingSettings.removeSubrange((mark + 1)...)
            }
        case .releaseSavepoint(let name):
            if let mark = self.pendingSettings.lastIndex(where: { if case .savepoint(name) = $0 { return true } else { return false } }) {
                self.pendingSettings.remove(at: mark)
            }
        default:
            break
        }
    }

    /// `DEALLOCATE name` of the client's own protocol-level statement (or `DEALLOCATE ALL` with
    /// no SQL-level ones) is answered here: on servers the statement is shared under another name.
    private func deallocateLocally(_ name: String?) -> Bool {
        if let name {
            guard self.statements.removeValue(forKey: name) != nil else { return false }
        } else {
            guard !self.isPinned else { return false }
            self.statements.removeAll()
        }
        var writer = WireWriter()
        BackendMessage.CommandComplete(tag: name == nil ? "DEALLOCATE ALL" : "DEALLOCATE").encode(into: &writer)
        self.appendOutput(writer.bytes)
        self.appendReadyForQuery()
        return true
    }

    /// A unit of work ended on `server` (its ReadyForQuery came and nothing is pending): settings
    /// changes of a committed transaction take effect, and the client's write is remembered for
    /// read-after-write.
    func unitFinished(on server: ServerConnection) {
        defer {
            self.unitHadError = false
            self.lastCommandTag = nil
        }
        guard server.transactionStatus == .idle else { return }
        self.savepoints.removeAll()
        if !self.pendingSettings.isEmpty {
            if !self.unitHadError && self.lastCommandTag != "ROLLBACK" { self.applySettingChanges(on: server) }
            self.pendingSettings.removeAll()
        }
        self.routingTransaction = .none
        guard self.unitWrites else { return }
        self.unitWrites = false
        guard self.linkTarget?.role == .primary, let database = self.database else { return }
        switch database.readAfterWrite {
        case .none:
            break
        case .window:
            self.lastWriteAt = self.context.loop.now
        case .lsn:
            // Learn the primary's WAL position at this commit, on the same connection, before it
            // goes back to the pool; the answer arrives before the connection is released.
            var writer = WireWriter()
            // The insert position: with asynchronous commit the commit record may not be written yet,
            // and the write position could be before it.
            FrontendMessage.Query(sql: "SELECT pg_catalog.pg_current_wal_insert_lsn()").encode(into: &writer)
            server.appendOutput(writer.bytes)
            server.queue.push(PendingRequest(.simpleQuery, .probe))
            server.flush()
            // The client's next statement must be routed afresh, not sent down this link: hold
            // it until the position has arrived and the connection is released.
            self.isCapturingPosition = true
            self.isWaitingForLease = true
        }
    }

    /// The value a probe query returned: a catch-up check's answer, or the WAL position
    /// captured after a write.
    func probeAnswered(_ text: String) {
        if self.commit != nil {
            self.commitProbeAnswered(text)
        } else if self.isCheckingCatchUp {
            self.catchUpReplayed = LSN.parse(text)
        } else if let position = LSN.parse(text) {
            self.lastWritePosition = position
        }
    }

    private func applySettingChanges(on server: ServerConnection) {
        for change in self.pendingSettings {
            switch change {
            case .set(let name, let statement):
                self.settings.recordSet(name, statement: statement)
            case .reset(let name):
                self.settings.reset(name)
            case .resetAll:
                self.settings.resetAll()
            case .savepoint:
                break
            case .discardAll:
                self.settings.resetAll()
                self.statements.removeAll()
                self.unnamedStatement = nil
                self.isPinned = false
                server.statements.removeAll()
                server.unnamedOwner = 0
            }
        }
        // The server ran these changes itself: its settings are now the client's.
        server.applied = self.settings
    }
}
