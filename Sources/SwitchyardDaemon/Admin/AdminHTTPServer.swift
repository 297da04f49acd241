// AdminHTTPServer: the admin port: a small HTTP/1.1 server on a dedicated event loop of our own.
import Dispatch
import Glibc
import Logging
import Synchronization
import SwitchyardIO

/// Serves the admin HTTP port (`admin_listen`) on its own `EventLoop`, so that admin traffic never
/// runs on, or waits for, a data-plane loop. Requests are parsed here and answered by an
/// `AdminRequestHandler` (normally `AdminRouter`); the handler may answer later from any thread.
///
/// One request per connection: each response carries `Connection: close`. Slow clients are cut off
/// after `requestTimeoutMs`, and at most `maxConnections` are served at once.
package final class AdminHTTPServer: Sendable {
    /// Limits and timeouts.
    package struct Configuration: Sendable {
        package var address: SocketAddress
        /// Connections served at once; more get 503 (a few) or are closed at once.
        package var maxConnections: Int
        /// A whole request must arrive within this time, else 408 and close.
        package var requestTimeoutMs: Int
        /// The handler must answer within this time, else 503.
        package var handlerTimeoutMs: Int
        /// Writing the response (to a client that does not read) may take this long.
        package var writeTimeoutMs: Int
        package var maxHeaderBytes: Int
        package var maxBodyBytes: Int

        package init(
            address: SocketAddress,
            maxConnections: Int = 64,
            requestTimeoutMs: Int = 5_000,
            handlerTimeoutMs: Int = 10_000,
            writeTimeoutMs: Int = 10_000,
            maxHeaderBytes: Int = 16 * 1024,
            maxBodyBytes: Int = 8 * 1024
        ) {
            self.address = address
            self.maxConnections = maxConnections
            self.requestTimeoutMs = requestTimeoutMs
            self.handlerTimeoutMs = handlerTimeoutMs
            self.writeTimeoutMs = writeTimeoutMs
            self.maxHeaderBytes = maxHeaderBytes
            self.maxBodyBytes = maxBodyBytes
        }
    }

    /// The index of the admin loop, well apart from the data-plane loops (0..<workers).
    package static let loopIndex = 1000

    package let loop: EventLoop
    /// The bound port (useful when `address` asked for port 0).
    package let port: Int
    private let core: LoopBound<AdminHTTPListener>

    private init(loop: EventLoop, port: Int, core: LoopBound<AdminHTTPListener>) {
        self.loop = loop
        self.port = port
        self.core = core
    }

    /// Binds the address and starts serving.
    ///
    /// - Throws: `SystemCallError` when the address cannot be bound.
    package static func start(
        configuration: Configuration,
        handler: any AdminRequestHandler,
        logger: Logger
    ) throws -> AdminHTTPServer {
        let loop = try EventLoop(index: Self.loopIndex, lingerMicroseconds: 0)
        let result: Result<(LoopBound<AdminHTTPListener>, Int), any Error> = loop.queue.sync {
            Result {
                let listener = try AdminHTTPListener(
                    loop: loop,
                    configuration: configuration,
                    handler: handler,
                    logger: logger
                )
                return (LoopBound(listener, loop: loop), listener.port)
            }
        }
        let (core, port) = try result.get()
        logger.info("admin port listening", metadata: ["admin_listen": "\(configuration.address)", "port": "\(port)"])
        return AdminHTTPServer(loop: loop, port: port, core: core)
    }

    /// Replaces the handler for requests not yet routed (after a reload changed `admin_token`).
    package func setHandler(_ handler: any AdminRequestHandler) {
        let core = self.core
        self.loop.execute { core.value.handler = handler }
    }

    /// Closes the listening socket and every connection, and stops the loop. Blocks until done;
    /// never call it from the admin loop itself.
    package func stop() {
        let core = self.core
        self.loop.queue.sync { core.value.stop() }
        self.loop.shutdown()
    }
}

/// The listening socket, the open connections and the timeout sweep; confined to the admin loop.
final class AdminHTTPListener: EventHandler {
    let loop: EventLoop
    let configuration: AdminHTTPServer.Configuration
    let parser: HTTPRequestParser
    var handler: any AdminRequestHandler
    let logger: Logger
    let port: Int
    private let fd: Int32
    private var registration: Registration = .none
    private var connections: [ObjectIdentifier: AdminHTTPConnection] = [:]
    private var sweeper: (any DispatchSourceTimer)?
    private var isStopped = false
    /// Connections over the limit that are being told 503; beyond these, new ones are closed at once.
    private static let refusalAllowance = 16

    init(
        loop: EventLoop,
        configuration: AdminHTTPServer.Configuration,
        handler: any AdminRequestHandler,
        logger: Logger
    ) throws {
        self.loop = loop
        self.configuration = configuration
        self.parser = HTTPRequestParser(
            maxHeaderBytes: configuration.maxHeaderBytes,
            maxBodyBytes: configuration.maxBodyBytes
        )
        self.handler = handler
        self.logger = logger
        let fd = try Socket.listen(configuration.address, backlog: 128, reusePort: false)
        self.fd = fd
        self.port = Self.localPort(fd) ?? Int(configuration.address.port)
        do {
            self.registration = try loop.register(fd, handler: self)
        } catch {
            Socket.close(fd)
            throw error
        }
        let smallestTimeout = min(
            configuration.requestTimeoutMs,
            configuration.handlerTimeoutMs,
            configuration.writeTimeoutMs
        )
        self.sweeper = loop.scheduleRepeating(everyMs: max(10, min(250, smallestTimeout / 4))) { [weak self] in
            self?.sweep()
        }
    }

    func handleEvents(_ events: UInt32) {
        guard events & EventLoop.readable != 0 else { return }
        self.acceptPending()
    }

    /// Accepts every pending connection (the socket is edge-triggered). Also run by the sweep, in
    /// case an accept failed for lack of descriptors and no new edge will come.
    private func acceptPending() {
        while !self.isStopped, let (fd, _) = Socket.accept(self.fd) {
            let count = self.connections.count
            if count >= self.configuration.maxConnections + Self.refusalAllowance {
                Socket.close(fd)
                continue
            }
            let connection = AdminHTTPConnection(fd: fd, listener: self)
            do {
                try connection.register()
            } catch {
                Socket.close(fd)
                continue
            }
            self.connections[ObjectIdentifier(connection)] = connection
            if count >= self.configuration.maxConnections {
                connection.respond(.text(.serviceUnavailable, "too many admin connections"))
            }
        }
    }

    func connectionClosed(_ connection: AdminHTTPConnection) {
        self.connections[ObjectIdentifier(connection)] = nil
    }

    private func sweep() {
        let now = self.loop.now
        for connection in Array(self.connections.values) { connection.checkDeadline(now: now) }
        self.acceptPending()
    }

    func stop() {
        guard !self.isStopped else { return }
        self.isStopped = true
        self.sweeper?.cancel()
        self.sweeper = nil
        self.loop.deregister(self.fd, self.registration)
        self.registration = .none
        Socket.close(self.fd)
        for connection in Array(self.connections.values) { connection.close() }
    }

    /// The port a socket is bound to (`getsockname`).
    private static func localPort(_ fd: Int32) -> Int? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { return nil }
        return withUnsafePointer(to: &storage) { pointer -> Int? in
            switch Int32(pointer.pointee.ss_family) {
            case AF_INET:
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    Int(UInt16(bigEndian: $0.pointee.sin_port))
                }
            case AF_INET6:
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    Int(UInt16(bigEndian: $0.pointee.sin6_port))
                }
            default:
                return nil
            }
        }
    }
}
