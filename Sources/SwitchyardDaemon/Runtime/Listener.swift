// Listener: accepts client connections on one loop's listening socket (SO_REUSEPORT spreads them).
import Glibc
import SwitchyardIO

/// A listening socket registered with one loop. Every loop has its own on the same address;
/// the kernel spreads new connections across them, so clients never move between loops.
final class Listener: EventHandler {
    unowned let context: LoopContext
    let fd: Int32
    private var registration: Registration = .none

    init(context: LoopContext, address: SocketAddress) throws {
        self.context = context
        self.fd = try Socket.listen(address, reusePort: true)
        self.registration = try context.loop.register(self.fd, handler: self)
    }

    func handleEvents(_ events: UInt32) {
        guard events & EventLoop.readable != 0 else { return }
        self.acceptAll()
    }

    /// Accepts every pending connection (edge-triggered: until the queue is empty).
    func acceptAll() {
        while self.context.isAccepting, let (fd, peer) = Socket.accept(self.fd) {
            self.context.clientAccepted(fd: fd, peer: peer)
        }
    }

    /// Stops accepting: the socket is closed so the kernel refuses new connections.
    func close() {
        self.context.loop.deregister(self.fd, self.registration)
        self.registration = .none
        Glibc.close(self.fd)
    }
}
