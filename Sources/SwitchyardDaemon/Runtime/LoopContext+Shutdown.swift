// LoopContext+Shutdown: draining one loop — idle clients leave at once, busy ones at their transaction's end.
import SwitchyardIO
import SwitchyardSession
import SwitchyardWire

extension LoopContext {
    /// The error clients get when the proxy shuts down.
    static let shutdownError = ProxyError(.adminShutdown, .fatal, "terminating connection due to administrator command")

    /// Stops accepting and starts draining; `stopped` runs once no client is left.
    func beginShutdown(deadline: UInt64, stopped: @escaping () -> Void) {
        self.isAccepting = false
        self.listener?.close()
        self.listener = nil
        self.shutdown = (deadline, stopped)
        self.drain()
    }

    /// Closes clients that are between transactions (or all, past the deadline); finishes
    /// when none is left.
    func drain() {
        guard let (deadline, stopped) = self.shutdown else { return }
        let isPastDeadline = self.loop.now >= deadline
        for client in Array(self.clients.values) where isPastDeadline || client.isBetweenTransactions {
            client.fail(Self.shutdownError)
        }
        guard self.clients.isEmpty else { return }
        self.shutdown = nil
        for pool in self.pools.values { pool.closeIdle() }
        self.stopJanitor()
        stopped()
    }
}

extension ClientConnection {
    /// Whether closing the client now interrupts nothing: no transaction open, nothing in flight.
    var isBetweenTransactions: Bool {
        switch self.phase {
        case .startup, .authenticating, .awaitingServerParameters, .console, .closed:
            return true
        case .ready:
            // A client still waiting for a server has sent nothing anywhere: nothing to finish.
            guard let server = self.link else { return !self.isTransactionLost && self.deferredBegin == nil }
            return server.queue.isEmpty && server.transactionStatus == .idle && !self.isInExtendedBatch
        }
    }
}
