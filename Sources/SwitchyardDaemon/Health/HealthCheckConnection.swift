// HealthCheckConnection: the dedicated connection that checks one server, and promotes it when asked.
import SwitchyardCrypto
import SwitchyardHealth
import SwitchyardIO
import SwitchyardSession
import SwitchyardWire

/// One server's check connection, kept open between checks and reopened after a failure.
/// Confined to the prober's loop.
final class HealthCheckConnection: EventHandler {
    /// What the connection is doing.
    enum Phase {
        case disconnected
        case connecting
        case loggingIn(ServerLoginMachine)
        /// Logged in, nothing asked.
        case ready
        /// A check query is in flight.
        case checking
        /// `pg_promote()` is in flight.
        case promoting
    }

    /// What a finished request produced.
    enum Outcome {
        case checked(CheckResult)
        case checkFailed(String)
        case promoted(Bool)
        case promotionFailed(String)
    }

    let cluster: String
    let server: Int
    let address: SocketAddress
    let serverName: String
    private let loop: EventLoop
    private let credentials: ServerLoginCredentials
    private let database: String
    private let report: (HealthCheckConnection, Outcome) -> Void
    private(set) var phase: Phase = .disconnected
    private var fd: Int32 = -1
    private var registration: Registration = .none
    private var inbound = IOBuffer(capacity: 4096)
    /// When the request in flight (connect and login included) must have finished.
    private(set) var deadline: UInt64 = 0
    /// What runs once the login finishes.
    private var pendingRequest: Phase = .checking
    private var row: [[UInt8]?]?
    private var error: String?

    init(
        cluster: String,
        server: Int,
        address: SocketAddress,
        serverName: String,
        database: String,
        credentials: ServerLoginCredentials,
        loop: EventLoop,
        report: @escaping (HealthCheckConnection, Outcome) -> Void
    ) {
        self.cluster = cluster
        self.server = server
        self.address = address
        self.serverName = serverName
        self.database = database
        self.credentials = credentials
        self.loop = loop
        self.report = report
    }

    /// How health-check sessions appear in pg_stat_activity.
    static let applicationName = "switchyard health check"

    /// Whether a check or promotion is in flight.
    var isBusy: Bool {
        switch self.phase {
        case .disconnected, .ready: return false
        case .connecting, .loggingIn, .checking, .promoting: return true
        }
    }

    /// Starts a check (connecting first if needed); the outcome is reported.
    func check(timeoutNs: UInt64) { self.start(.checking, timeoutNs: timeoutNs) }

    /// Runs `pg_promote()`; the outcome is reported.
    func promote(timeoutNs: UInt64) { self.start(.promoting, timeoutNs: timeoutNs) }

    private func start(_ request: Phase, timeoutNs: UInt64) {
        guard !self.isBusy else { return }
        self.deadline = self.loop.now &+ timeoutNs
        self.pendingRequest = request
        switch self.phase {
        case .ready:
            self.send(request)
        case .disconnected:
            do {
                let (fd, _) = try Socket.connect(self.address)
                self.fd = fd
                self.phase = .connecting
                self.registration = try self.loop.register(fd, handler: self)
            } catch {
                self.finish(failure: "\(error)")
            }
        case .connecting, .loggingIn, .checking, .promoting:
            break
        }
    }

    private func send(_ request: Phase) {
        let sql: String
        switch request {
        case .promoting: sql = "SELECT pg_catalog.pg_promote(true, 60)"
        case .checking, .disconnected, .connecting, .loggingIn, .ready: sql = CheckResult.query
        }
        self.phase = request
        self.row = nil
        self.error = nil
        var writer = WireWriter()
        FrontendMessage.Query(sql: sql).encode(into: &writer)
        self.write(writer.bytes)
    }

    /// The deadline passed: the request failed and the connection is dropped.
    func timedOut() {
        guard self.isBusy else { return }
        self.finish(failure: "timed out")
    }

    func handleEvents(_ events: UInt32) {
        if case .connecting = self.phase {
            guard events & (EventLoop.writable | EventLoop.error | EventLoop.hangup) != 0 else { return }
            if let error = Socket.connectError(self.fd) {
                self.finish(failure: "\(error)")
                return
            }
            self.phase = .loggingIn(ServerLoginMachine(credentials: self.credentials))
            self.write(
                ServerLoginMachine.startupMessage(
                    user: self.credentials.user,
                    database: self.database,
                    parameters: [("application_name", Self.applicationName)]
                )
            )
        }
        guard events & (EventLoop.readable | EventLoop.hangup | EventLoop.error) != 0, self.fd >= 0 else { return }
        while self.fd >= 0 {
            self.inbound.reserveWritable(4096)
            switch Socket.read(self.fd, into: self.inbound) {
            case .bytes:
                self.processInput()
            case .wouldBlock:
                return
            case .endOfFile:
                self.finish(failure: "server closed the connection")
                return
            case .failed(let error):
                self.finish(failure: "\(error)")
                return
            }
        }
    }

    private func processInput() {
        while self.fd >= 0 {
            let view = self.inbound.readableView
            let message: DecodedBackendMessage
            do {
                guard let header = try FrameHeader.parse(view, at: 0, limit: 1 << 20) else { return }
                guard header.frameSize <= view.count else {
                    self.inbound.reserveWritable(header.frameSize - view.count)
                    return
                }
                message = try DecodedBackendMessage.decode(
                    header: header, body: UnsafeRawBufferPointer(rebasing: view[FrameHeader.size..<header.frameSize]))
                self.inbound.consume(header.frameSize)
            } catch {
                self.finish(failure: "invalid message: \(error.message)")
                return
            }
            self.handle(message)
        }
    }

    private func handle(_ message: DecodedBackendMessage) {
        switch self.phase {
        case .loggingIn(var machine):
            let action = machine.messageReceived(message, nonce: randomBytes(count: ScramNonce.randomByteCount))
            self.phase = .loggingIn(machine)
            switch action {
            case .none: break
            case .send(let bytes): self.write(bytes)
            case .succeeded: self.send(self.pendingRequest)
            case .failed(let failure): self.finish(failure: ServerLoginError(failure, server: self.serverName).message)
            }
        case .checking, .promoting:
            switch message {
            case .dataRow(let row): self.row = row.values
            case .errorResponse(let fields): self.error = fields.message ?? "error without message"
            case .readyForQuery: self.requestFinished()
            default: break
            }
        case .disconnected, .connecting, .ready:
            // A ready connection that speaks is saying goodbye (the server is shutting down).
            if case .errorResponse(let fields) = message { self.finish(failure: fields.message ?? "server error") }
        }
    }

    private func requestFinished() {
        let request = self.phase
        self.phase = .ready
        switch request {
        case .promoting:
            if let error = self.error {
                self.report(self, .promotionFailed(error))
            } else {
                let value = self.row?.first.flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) }
                self.report(self, .promoted(value == "t"))
            }
        default:
            if let error = self.error {
                self.report(self, .checkFailed(error))
                return
            }
            do {
                self.report(self, .checked(try CheckResult(columns: self.row ?? [])))
            } catch {
                self.report(self, .checkFailed("\(error)"))
            }
        }
    }

    private func write(_ bytes: [UInt8]) {
        guard self.fd >= 0 else { return }
        // Requests are tiny; a connection whose socket buffer is full is as good as dead.
        let result = bytes.withUnsafeBytes { Socket.write(self.fd, $0) }
        if case .bytes(let count) = result, count == bytes.count { return }
        self.finish(failure: "could not send to the server")
    }

    /// Closes the connection and reports the failure of what was in flight.
    private func finish(failure: String) {
        let request: Phase
        if case .disconnected = self.phase { request = self.pendingRequest } else { request = self.phase }
        self.close()
        switch request {
        case .promoting: self.report(self, .promotionFailed(failure))
        case .connecting, .loggingIn:
            if case .promoting = self.pendingRequest {
                self.report(self, .promotionFailed(failure))
            } else {
                self.report(self, .checkFailed(failure))
            }
        default: self.report(self, .checkFailed(failure))
        }
    }

    func close() {
        if self.fd >= 0 {
            self.loop.deregister(self.fd, self.registration)
            Socket.close(self.fd)
        }
        self.fd = -1
        self.registration = .none
        self.phase = .disconnected
        self.inbound.clear()
    }
}
