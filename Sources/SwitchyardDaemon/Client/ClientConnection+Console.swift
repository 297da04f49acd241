// ClientConnection+Console: the admin console — `psql dbname=switchyard` as an admin user —
// answering SHOW, RELOAD, PAUSE and RESUME as ordinary result sets.
import Logging
import Synchronization
import SwitchyardAdmin
import SwitchyardConfig
import SwitchyardIO
import SwitchyardWire

extension ClientConnection {
    /// The database name that opens the admin console.
    static let consoleDatabase = Config.adminConsoleDatabase

    /// Finishes the login of a console client, or refuses a user who is not an admin.
    func enterConsole(_ user: UserEntry) {
        guard user.isAdmin else {
            self.fail(
                ProxyError(
                    .invalidAuthorizationSpecification,
                    .fatal,
                    "permission denied to use the admin console",
                    hint: "Only [[users]] with admin = true may connect to database \"switchyard\"."
                )
            )
            return
        }
        self.user = user
        self.secretKey = Int32.random(in: Int32.min...Int32.max)
        self.processID = self.context.shared.cancels.register(loop: self.context.loop.index, clientID: self.id, secretKey: self.secretKey)
        var writer = WireWriter()
        let parameters: [(String, String)] = [
            ("application_name", self.applicationName),
            ("client_encoding", "UTF8"),
            ("DateStyle", "ISO, MDY"),
            ("integer_datetimes", "on"),
            ("IntervalStyle", "postgres"),
            ("is_superuser", "off"),
            ("server_encoding", "UTF8"),
            ("server_version", "15.0 (switchyard \(SwitchyardVersion.current))"),
            ("session_authorization", user.name),
            ("standard_conforming_strings", "on"),
            ("TimeZone", "UTC"),
        ]
        for (name, value) in parameters { BackendMessage.ParameterStatus(name: name, value: value).encode(into: &writer) }
        BackendMessage.BackendKeyData(processID: self.processID, secretKey: self.secretKey).encode(into: &writer)
        BackendMessage.ReadyForQuery(status: .idle).encode(into: &writer)
        self.appendOutput(writer.bytes)
        self.phase = .console
        self.context.logger.info("admin console login", metadata: ["client.id": "\(self.id)", "user": "\(user.name)"])
    }

    /// Handles console messages one at a time; a command answered asynchronously holds the rest.
    func processConsoleInput() {
        guard let buffer = self.inbound else { return }
        while !self.isClosed && !self.isWaitingForLease {
            let view = buffer.readableView
            guard let header = try? FrameHeader.parse(view, at: 0, limit: 1 << 20) else {
                if view.count >= FrameHeader.size { self.fail(ProxyError(.protocolViolation, .fatal, "invalid message")) }
                return
            }
            guard header.frameSize <= view.count else {
                buffer.reserveWritable(header.frameSize - view.count)
                return
            }
            let frame = UnsafeRawBufferPointer(rebasing: view[0..<header.frameSize])
            switch FrontendMessageID(rawValue: header.id) {
            case .terminate:
                self.close()
                return
            case .query:
                let sql = String(decoding: Self.queryText(frame), as: UTF8.self)
                buffer.consume(header.frameSize)
                self.runConsoleCommand(sql)
            case .sync:
                buffer.consume(header.frameSize)
                self.isDiscardingUntilSync = false
                self.appendReadyForQuery()
            case .flush:
                buffer.consume(header.frameSize)
            default:
                buffer.consume(header.frameSize)
                if !self.isDiscardingUntilSync {
                    self.appendError(
                        ProxyError(.featureNotSupported, .error, "the admin console accepts simple queries only")
                    )
                    self.isDiscardingUntilSync = true
                }
            }
        }
    }

    private func runConsoleCommand(_ sql: String) {
        guard let command = AdminCommand.parse(sql) else {
            var writer = WireWriter()
            if sql.allSatisfy({ $0.isWhitespace || $0 == ";" }) {
                BackendMessage.encodeEmpty(.emptyQueryResponse, into: &writer)
            } else {
                BackendMessage.ErrorFields(
                    reporting: ProxyError(
                        .syntaxError,
                        .error,
                        "unsupported admin console command",
                        hint: "Try SHOW CLUSTERS|SERVERS|POOLS|CLIENTS|STATS|CONFIG|VERSION, RELOAD, PAUSE [cluster], RESUME [cluster]."
                    )
                ).encode(as: .errorResponse, into: &writer)
            }
            self.appendOutput(writer.bytes)
            self.appendReadyForQuery()
            return
        }
        guard let daemon = self.context.shared.admin as? Daemon else { return }
        // The answer comes from other threads; hold further input until it is written.
        self.isWaitingForLease = true
        let client = LoopBound(self, loop: self.context.loop)
        let loop = self.context.loop
        let answer: @Sendable (ConsoleAnswer) -> Void = { answer in
            loop.execute { client.value.consoleAnswered(answer) }
        }
        switch command {
        case .show(let target):
            let configEntries = target == .config ? daemon.loadedConfig.withLock { $0.entries } : []
            daemon.gatherStats(includeClients: target == .clients) { snapshot in
                answer(.result(AdminConsole.resultSet(for: command, snapshot: snapshot, config: configEntries)))
            }
        case .reload:
            daemon.reload { answer(.outcome(command.tag, $0)) }
        case .pause(let cluster):
            daemon.pause(cluster: cluster) { answer(.outcome(command.tag, $0)) }
        case .resume(let cluster):
            daemon.resume(cluster: cluster) { answer(.outcome(command.tag, $0)) }
        }
    }

    private func consoleAnswered(_ answer: ConsoleAnswer) {
        guard !self.isClosed else { return }
        self.isWaitingForLease = false
        var writer = WireWriter()
        switch answer {
        case .result(let result):
            result.encode(into: &writer)
        case .outcome(let tag, let outcome):
            if outcome.isSuccess {
                BackendMessage.CommandComplete(tag: tag).encode(into: &writer)
            } else {
                let messages = outcome.messages
                BackendMessage.ErrorFields(
                    reporting: ProxyError(
                        .objectNotInPrerequisiteState,
                        .error,
                        messages.first ?? "\(tag.lowercased()) failed",
                        detail: messages.count > 1 ? messages.dropFirst().joined(separator: "\n") : nil
                    )
                ).encode(as: .errorResponse, into: &writer)
            }
        }
        self.appendOutput(writer.bytes)
        self.appendReadyForQuery()
        self.flush()
        self.resumeReading()
    }
}

/// A console command's answer, built off the loop.
enum ConsoleAnswer: Sendable {
    case result(ConsoleResult)
    case outcome(String, AdminOutcome)
}
