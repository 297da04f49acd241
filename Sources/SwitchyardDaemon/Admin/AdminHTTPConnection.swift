// AdminHTTPConnection: one admin HTTP connection: read a request, await its answer, write it, close.
import Glibc
import Logging
import SwitchyardAdmin
import SwitchyardIO

/// One connection to the admin port, confined to the admin loop. It serves exactly one request.
final class AdminHTTPConnection: EventHandler {
    /// Where the connection is in its one exchange. Each phase but `closed` has a deadline
    /// (monotonic nanoseconds) enforced by the listener's sweep.
    enum Phase: Equatable {
        /// Receiving the request.
        case reading(deadline: UInt64)
        /// The request went to the handler; its response has not come back yet.
        case awaitingHandler(deadline: UInt64)
        /// Sending the response; the kernel buffer was full at least once.
        case writing(deadline: UInt64)
        /// Response sent and our side shut down; reading until the client closes, so that bytes
        /// it sent after its request do not turn our close into a reset that could destroy the
        /// response before the client read it.
        case draining(deadline: UInt64)
        case closed
    }

    private let fd: Int32
    private unowned let listener: AdminHTTPListener
    private var registration: Registration = .none
    private(set) var phase: Phase
    private var inbound: IOBuffer?
    private var outbound: [UInt8] = []
    private var written = 0
    /// "GET /stats", for the log line of the response.
    private var requestSummary = "-"

    /// How long to wait for the client to close after the response.
    private static let lingerNs: UInt64 = 1_000_000_000
    /// Draining stops (and the connection closes) after this many bytes.
    private static let drainLimit = 1 << 20

    /// A new connection waits for its request; the registration's first edge reports bytes
    /// already received.
    init(fd: Int32, listener: AdminHTTPListener) {
        self.fd = fd
        self.listener = listener
        self.phase = .reading(deadline: listener.loop.now &+ Self.nanoseconds(listener.configuration.requestTimeoutMs))
    }

    func register() throws {
        self.registration = try self.listener.loop.register(self.fd, handler: self)
    }

    func handleEvents(_ events: UInt32) {
        let input = events & (EventLoop.readable | EventLoop.hangup | EventLoop.error) != 0
        switch self.phase {
        case .reading:
            if input { self.readRequest() }
        case .awaitingHandler:
            break  // a hang-up shows when the response is written
        case .writing:
            if events & (EventLoop.writable | EventLoop.error | EventLoop.hangup) != 0 { self.flush() }
        case .draining:
            if input { self.drain() }
        case .closed:
            break
        }
    }

    // MARK: - Reading

    private func readRequest() {
        let buffer = self.inbound ?? self.listener.loop.buffers.take()
        self.inbound = buffer
        let limit = self.listener.parser.maxHeaderBytes + self.listener.parser.maxBodyBytes + 4
        var isEndOfFile = false
        reading: while buffer.readableBytes <= limit {
            if buffer.writableBytes == 0 { buffer.reserveWritable(4096) }
            switch Socket.read(self.fd, into: buffer) {
            case .bytes:
                continue
            case .wouldBlock:
                break reading
            case .endOfFile:
                isEndOfFile = true
                break reading
            case .failed:
                self.close()
                return
            }
        }
        switch self.listener.parser.parse(buffer.readableView) {
        case .incomplete:
            if buffer.readableBytes > limit {
                self.respond(.text(.contentTooLarge, "request too large"))
            } else if isEndOfFile {
                self.close()  // the client gave up before finishing its request
            }
        case .failed(let status, let message):
            self.respond(.text(status, message))
        case .complete(let request, _):
            self.requestSummary = "\(request.method) \(request.path)"
            self.listener.loop.buffers.give(buffer)
            self.inbound = nil
            self.dispatch(request)
        }
    }

    private func dispatch(_ request: AdminRequest) {
        let loop = self.listener.loop
        self.phase = .awaitingHandler(
            deadline: loop.now &+ Self.nanoseconds(self.listener.configuration.handlerTimeoutMs)
        )
        // Safe to carry across threads: `LoopBound` only hands the connection out on its loop.
        let bound = LoopBound(self, loop: loop)
        let includeBody = request.method != "HEAD"
        self.listener.handler.handle(request) { response in
            bound.loop.execute { bound.value.handlerResponded(response, includeBody: includeBody) }
        }
    }

    private func handlerResponded(_ response: AdminResponse, includeBody: Bool) {
        guard case .awaitingHandler = self.phase else { return }  // timed out or closed meanwhile
        self.listener.loop.refreshNow()  // posted work runs outside a poll pass
        self.respond(response, includeBody: includeBody)
    }

    // MARK: - Writing

    /// Sends `response` and closes once the client has it.
    func respond(_ response: AdminResponse, includeBody: Bool = true) {
        if let buffer = self.inbound {
            self.listener.loop.buffers.give(buffer)
            self.inbound = nil
        }
        self.listener.logger.debug(
            "admin request",
            metadata: ["request": "\(self.requestSummary)", "status": "\(response.status.code)"]
        )
        self.outbound = response.serialized(includeBody: includeBody, date: UnixTime.httpDate(time(nil)))
        self.written = 0
        self.phase = .writing(
            deadline: self.listener.loop.now &+ Self.nanoseconds(self.listener.configuration.writeTimeoutMs)
        )
        self.flush()
    }

    private func flush() {
        while self.written < self.outbound.count {
            let result = self.outbound.withUnsafeBytes { bytes in
                Socket.write(self.fd, UnsafeRawBufferPointer(rebasing: bytes[self.written...]))
            }
            switch result {
            case .bytes(let count):
                self.written += count
            case .wouldBlock:
                return
            case .endOfFile, .failed:
                self.close()
                return
            }
        }
        self.outbound = []
        shutdown(self.fd, Int32(SHUT_WR))
        self.phase = .draining(deadline: self.listener.loop.now &+ Self.lingerNs)
        self.drain()
    }

    /// Reads and discards until the client closes.
    private func drain() {
        var scratch = [UInt8](repeating: 0, count: 4096)
        var total = 0
        while total < Self.drainLimit {
            let count = scratch.withUnsafeMutableBytes { Glibc.read(self.fd, $0.baseAddress, $0.count) }
            if count > 0 {
                total += count
                continue
            }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            if count < 0 && errno == EINTR { continue }
            break  // end of file or an error
        }
        self.close()
    }

    // MARK: - Deadlines and closing

    /// Called by the listener's sweep: enforces the current phase's deadline.
    func checkDeadline(now: UInt64) {
        switch self.phase {
        case .reading(let deadline):
            if now >= deadline { self.respond(.text(.requestTimeout, "request not received in time")) }
        case .awaitingHandler(let deadline):
            if now >= deadline { self.respond(.text(.serviceUnavailable, "the daemon did not answer in time")) }
        case .writing(let deadline), .draining(let deadline):
            if now >= deadline { self.close() }
        case .closed:
            break
        }
    }

    func close() {
        guard self.phase != .closed else { return }
        self.phase = .closed
        self.listener.loop.deregister(self.fd, self.registration)
        self.registration = .none
        Socket.close(self.fd)
        if let buffer = self.inbound { self.listener.loop.buffers.give(buffer) }
        self.inbound = nil
        self.outbound = []
        self.listener.connectionClosed(self)
    }

    private static func nanoseconds(_ milliseconds: Int) -> UInt64 { UInt64(max(0, milliseconds)) * 1_000_000 }
}
