// LoopContext+Clients: admitting clients and routing CancelRequests to the client they name.
import SwitchyardIO
import SwitchyardWire

extension LoopContext {
    /// A new connection was accepted on this loop.
    func clientAccepted(fd: Int32, peer: SocketAddress?) {
        let client = ClientConnection(context: self, fd: fd, peer: peer, id: self.makeID())
        client.isOverLimit = !self.shared.admitClient(limit: self.config.maxClientConnections)
        if client.isOverLimit {
            // Counted once it is closed like any client; keep the count balanced.
            _ = self.shared.admitClient(limit: Int.max)
        }
        self.clients[client.id] = client
        do {
            try client.register()
        } catch {
            client.close()
            return
        }
        // Edge-triggered: bytes that arrived before registration would otherwise go unnoticed.
        client.readAvailable()
    }

    /// A CancelRequest arrived here: find the client by its key, on whichever loop it lives.
    func forwardCancel(_ request: CancelRequest) {
        guard let entry = self.shared.cancels.lookup(processID: request.processID, secretKey: request.secretKey) else {
            return
        }
        let clientID = entry.clientID
        self.shared.post(toLoop: entry.loop) { context in context.cancelQuery(ofClient: clientID) }
    }

    /// Cancels what `clientID`'s server connection is running, if anything.
    func cancelQuery(ofClient clientID: UInt64) {
        guard let client = self.clients[clientID], let server = client.link, let key = server.backendKey else { return }
        CancelSender.send(CancelRequest(processID: key.processID, secretKey: key.secretKey), to: server.key.address, on: self)
    }
}

/// Delivers one CancelRequest to a server on a connection of its own, then closes it.
final class CancelSender: EventHandler {
    private unowned let context: LoopContext
    private let fd: Int32
    private var registration: Registration = .none
    private let request: CancelRequest

    private init(context: LoopContext, fd: Int32, request: CancelRequest) {
        self.context = context
        self.fd = fd
        self.request = request
    }

    static func send(_ request: CancelRequest, to address: SocketAddress, on context: LoopContext) {
        guard let (fd, _) = try? Socket.connect(address) else { return }
        let sender = CancelSender(context: context, fd: fd, request: request)
        guard let registration = try? context.loop.register(fd, handler: sender) else {
            Socket.close(fd)
            return
        }
        sender.registration = registration
        context.cancelSenders[ObjectIdentifier(sender)] = sender
    }

    func handleEvents(_ events: UInt32) {
        if events & EventLoop.writable != 0 && Socket.connectError(self.fd) == nil {
            var writer = WireWriter(capacity: 16)
            StartupPacket.cancel(self.request).encode(into: &writer)
            writer.bytes.withUnsafeBytes { _ = Socket.write(self.fd, $0) }
        }
        // The server closes the connection after reading the request; either way we are done.
        self.context.loop.deregister(self.fd, self.registration)
        Socket.close(self.fd)
        self.context.cancelSenders[ObjectIdentifier(self)] = nil
    }
}
