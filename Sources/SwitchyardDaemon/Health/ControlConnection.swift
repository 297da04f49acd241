// ControlConnection: a server connection of the proxy's own — health checks, promotion, recovery
// of prepared transactions — that runs one simple query at a time and returns its rows, over TLS
// when server_tls asks for it.
import SwitchyardCrypto
import SwitchyardIO
import SwitchyardSession
import SwitchyardWire

/// One control connection, kept open between queries and reopened after a failure. Confined to
/// the loop it was made on.
final class ControlConnection: EventHandler {
    /// Rows of a result, as DataRow values (`nil` is NULL).
    typealias Rows = [[[UInt8]?]]

    /// Why a query gave no rows.
    enum Failure: Error {
        /// The connection failed, timed out or the login was refused; it is closed.
        case connection(String)
        /// The server raised an error; the connection stays usable.
        case server(String)

        var message: String {
            switch self {
            case .connection(let text), .server(let text): return text
            }
        }
    }

    private enum Phase {
        case disconnected
        case connecting
        /// SSLRequest sent; the server's one-byte answer decides between TLS and plaintext.
        case awaitingSSLResponse(ServerTLSSettings)
        case loggingIn(ServerLoginMachine)
        case ready
        case querying
    }

    let address: SocketAddress
    let serverName: String
    /// The configured host, which a verified server certificate must name.
    private let serverHost: String
    /// server_tls as of the next connect (a reload changes it; an open connection keeps its own).
    var tlsSettings: ServerTLSSettings
    private let database: String
    private let credentials: ServerLoginCredentials
    private let applicationName: String
    private let loop: EventLoop
    private var phase: Phase = .disconnected
    private var fd: Int32 = -1
    private var registration: Registration = .none
    private var inbound = IOBuffer(capacity: 4096)
    /// Bytes the socket (or TLS) has not taken yet.
    private var outbound: [UInt8] = []
    private var tls: TLSSession?
    private var sql = ""
    private var completion: ((Result<Rows, Failure>) -> Void)?
    private var rows: Rows = []
    private var error: String?
    /// When the query in flight (connect and login included) must have finished.
    private(set) var deadline: UInt64 = 0
    /// Logins so far: a new login means session-level facts may have changed.
    private(set) var logins = 0

    init(
        address: SocketAddress,
        serverName: String,
        serverHost: String,
        tls: ServerTLSSettings,
        database: String,
        credentials: ServerLoginCredentials,
        applicationName: String,
        loop: EventLoop
    ) {
        self.address = address
        self.serverName = serverName
        self.serverHost = serverHost
        self.tlsSettings = tls
        self.database = database
        self.credentials = credentials
        self.applicationName = applicationName
        self.loop = loop
    }

    /// Whether a query is in flight.
    var isBusy: Bool { self.completion != nil }

    /// Queries waiting for the one in flight.
    private var queued: [(sql: String, timeoutNs: UInt64, completion: (Result<Rows, Failure>) -> Void)] = []

    /// Runs `sql`, connecting and logging in first when needed; queries run one after another.
    func run(_ sql: String, timeoutNs: UInt64, completion: @escaping (Result<Rows, Failure>) -> Void) {
        guard !self.isBusy else {
            self.queued.append((sql, timeoutNs, completion))
            return
        }
        self.sql = sql
        self.completion = completion
        self.deadline = self.loop.now &+ timeoutNs
        switch self.phase {
        case .ready:
            self.sendQuery()
        case .disconnected:
            do {
                let (fd, _) = try Socket.connect(self.address)
                self.fd = fd
                self.phase = .connecting
                self.registration = try self.loop.register(fd, handler: self)
            } catch {
                self.fail("\(error)")
            }
        case .connecting, .awaitingSSLResponse, .loggingIn, .querying:
            break
        }
    }

    /// The deadline passed: the query fails and the connection is dropped.
    func timedOut() {
        guard self.isBusy else { return }
        self.fail("timed out")
    }

    private func sendQuery() {
        self.phase = .querying
        self.rows = []
        self.error = nil
        var writer = WireWriter()
        FrontendMessage.Query(sql: self.sql).encode(into: &writer)
        self.write(writer.bytes)
    }

    func handleEvents(_ events: UInt32) {
        if case .connecting = self.phase {
            guard events & (EventLoop.writable | EventLoop.error | EventLoop.hangup) != 0 else { return }
            if let error = Socket.connectError(self.fd) {
                self.fail("\(error)")
                return
            }
            if self.tlsSettings.context != nil {
                self.phase = .awaitingSSLResponse(self.tlsSettings)
                var writer = WireWriter(capacity: 8)
                StartupPacket.sslRequest.encode(into: &writer)
                self.write(writer.bytes)
            } else {
                self.startLogin()
            }
        }
        // Few bytes pass here, so every event simply retries both directions: TLS can make one
        // direction ready through the other (a handshake reads and writes).
        self.flush()
        self.readAvailable()
        if self.tls != nil { self.flush() }
    }

    private func startLogin() {
        self.phase = .loggingIn(ServerLoginMachine(credentials: self.credentials))
        self.write(
            ServerLoginMachine.startupMessage(
                user: self.credentials.user,
                database: self.database,
                parameters: [("application_name", self.applicationName)]
            )
        )
    }

    private func readAvailable() {
        while self.fd >= 0 {
            self.inbound.reserveWritable(4096)
            let result = self.tls.map { $0.read(into: self.inbound) } ?? Socket.read(self.fd, into: self.inbound)
            switch result {
            case .bytes:
                self.processInput()
            case .wouldBlock:
                return
            case .endOfFile:
                self.fail("server closed the connection")
                return
            case .failed(let error):
                self.fail("\(error)")
                return
            }
        }
    }

    /// Handles the answer to SSLRequest. Returns whether login messages may follow in the buffer.
    private func sslResponseReceived(_ settings: ServerTLSSettings) -> Bool {
        switch SSLResponse.read(self.inbound, policy: settings.policy, server: self.serverName) {
        case .pending:
            return false
        case .startTLS:
            do {
                // SSLRequest went out only because the settings hold a context.
                self.tls = try settings.context!.makeClientSession(fd: self.fd, serverHost: self.serverHost)
            } catch {
                self.fail("\(error)")
                return false
            }
            self.startLogin()
            return false
        case .plaintext:
            self.startLogin()
            return true
        case .refused(let error):
            self.fail(error.message)
            return false
        }
    }

    private func processInput() {
        if case .awaitingSSLResponse(let settings) = self.phase {
            guard self.sslResponseReceived(settings) else { return }
        }
        while self.fd >= 0 {
            let view = self.inbound.readableView
            let message: DecodedBackendMessage
            do {
                guard let header = try FrameHeader.parse(view, at: 0, limit: 1 << 24) else { return }
                try header.checkBackend()
                guard header.frameSize <= view.count else {
                    self.inbound.reserveWritable(header.frameSize - view.count)
                    return
                }
                message = try DecodedBackendMessage.decode(
                    header: header, body: UnsafeRawBufferPointer(rebasing: view[FrameHeader.size..<header.frameSize]))
                self.inbound.consume(header.frameSize)
            } catch {
                self.fail("invalid message: \(error.message)")
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
            case .succeeded:
                self.logins += 1
                self.sendQuery()
            case .failed(let failure): self.fail(ServerLoginError(failure, server: self.serverName).message)
            }
        case .querying:
            switch message {
            case .dataRow(let row): self.rows.append(row.values)
            case .errorResponse(let fields): self.error = self.error ?? fields.message ?? "error without message"
            case .readyForQuery:
                self.phase = .ready
                let completion = self.completion
                self.completion = nil
                if let error = self.error {
                    completion?(.failure(.server(error)))
                } else {
                    completion?(.success(self.rows))
                }
                self.runNext()
            default: break
            }
        case .disconnected, .connecting, .awaitingSSLResponse, .ready:
            // A ready connection that speaks is saying goodbye (the server is shutting down).
            if case .errorResponse(let fields) = message { self.fail(fields.message ?? "server error") }
        }
    }

    private func write(_ bytes: [UInt8]) {
        guard self.fd >= 0 else { return }
        self.outbound.append(contentsOf: bytes)
        self.flush()
    }

    /// Writes what is pending; what the socket does not take waits for the next event (the
    /// query's deadline bounds the wait).
    private func flush() {
        while self.fd >= 0, !self.outbound.isEmpty {
            let result = self.outbound.withUnsafeBytes { bytes in
                self.tls.map { $0.write(bytes) } ?? Socket.write(self.fd, bytes)
            }
            switch result {
            case .bytes(let count):
                self.outbound.removeFirst(count)
            case .wouldBlock:
                return
            case .endOfFile:
                self.fail("could not send to the server")
            case .failed(let error):
                self.fail("\(error)")
            }
        }
    }

    /// Closes the connection and fails the query in flight; queued ones reconnect.
    private func fail(_ reason: String) {
        let completion = self.completion
        self.completion = nil
        self.close()
        completion?(.failure(.connection(reason)))
        self.runNext()
    }

    private func runNext() {
        guard !self.isBusy, !self.queued.isEmpty else { return }
        let next = self.queued.removeFirst()
        self.run(next.sql, timeoutNs: next.timeoutNs, completion: next.completion)
    }

    func close() {
        if self.fd >= 0 {
            self.loop.deregister(self.fd, self.registration)
            self.tls?.close()
            Socket.close(self.fd)
        }
        self.tls = nil
        self.outbound = []
        self.fd = -1
        self.registration = .none
        self.phase = .disconnected
        self.inbound.clear()
    }
}

extension ControlConnection.Rows {
    /// The first column of the first row as text.
    var firstText: String? {
        self.first?.first.flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) }
    }
}
