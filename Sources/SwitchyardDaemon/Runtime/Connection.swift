// Connection: a socket on a loop with lazily held read and write buffers, shared by clients and servers.
import SwitchyardIO

/// The socket half of a client or server connection: buffers, reads, and writes that wait for
/// writability only when the kernel buffer is full.
///
/// Buffers are taken from the loop's pool when needed and given back when empty, so an idle
/// connection holds none.
class Connection: EventHandler {
    /// The loop context; changes only when a server connection is handed to another loop.
    unowned var context: LoopContext
    var fd: Int32
    var registration: Registration = .none
    var inbound: IOBuffer?
    var outbound: IOBuffer?
    /// Bytes of the current inbound message that pass straight through as they arrive.
    var streamingRemaining = 0
    /// Whether the streamed message is dropped rather than passed on.
    var streamingDrops = false
    /// The peer's socket may hold unread bytes: an edge was consumed while reading was paused.
    var hasUnreadInput = false
    /// The peer closed its side (or the socket failed): reads continue until end of file, even
    /// after a short read, because edge-triggered epoll reports the hang-up only once.
    var peerHungUp = false
    var isClosed = false
    /// TLS on this socket once negotiated; reads and writes then go through it. `nil` on plaintext
    /// connections, whose fast path checks nothing else.
    var tls: TLSSession?
    /// SSLRequest went to this server; its one-byte answer (in plaintext) has not been read yet.
    var isAwaitingSSLResponse = false

    init(context: LoopContext, fd: Int32) {
        self.context = context
        self.fd = fd
    }

    func handleEvents(_ events: UInt32) {
        preconditionFailure("subclasses handle their events")
    }

    func register() throws {
        self.registration = try self.context.loop.register(self.fd, handler: self)
    }

    func deregister() {
        self.context.loop.deregister(self.fd, self.registration)
        self.registration = .none
    }

    /// The inbound buffer, taken from the pool if needed, with room for a read.
    func inboundForReading() -> IOBuffer {
        let buffer: IOBuffer
        if let existing = self.inbound {
            buffer = existing
        } else {
            buffer = self.context.loop.buffers.take()
            self.inbound = buffer
        }
        if buffer.writableBytes < 1024 { buffer.reserveWritable(buffer.capacity / 2) }
        return buffer
    }

    /// Reads once into the inbound buffer. `filled` says whether the read used all the space
    /// offered, in which case more bytes may be waiting.
    func readOnce() -> (result: IOResult, filled: Bool) {
        let buffer = self.inboundForReading()
        if let tls = self.tls { return self.readOnce(tls, into: buffer) }
        let space = buffer.writableBytes
        let result = Socket.read(self.fd, into: buffer)
        if case .bytes(let count) = result { return (result, count == space) }
        return (result, false)
    }

    /// Gives the inbound buffer back when nothing is left in it.
    func releaseInboundIfEmpty() {
        if let buffer = self.inbound, buffer.isEmpty {
            self.context.loop.buffers.give(buffer)
            self.inbound = nil
        }
    }

    /// The outbound buffer, taken from the pool if needed.
    func outboundForWriting() -> IOBuffer {
        if let existing = self.outbound { return existing }
        let buffer = self.context.loop.buffers.take()
        self.outbound = buffer
        return buffer
    }

    /// Queues bytes behind any already waiting; `flush()` writes them.
    func appendOutput(_ bytes: UnsafeRawBufferPointer) {
        self.outboundForWriting().append(bytes)
    }

    func appendOutput(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { self.appendOutput($0) }
    }

    /// Whether bytes wait to be written (or TLS waits for writability to go on reading).
    var hasPendingOutput: Bool { !(self.outbound?.isEmpty ?? true) || self.tls?.readIsBlockedOnWrite == true }

    /// Writes pending output. Returns `true` when everything is written, `false` when the kernel
    /// buffer is full (a writable event will follow) or the socket failed (`writeFailed` is called).
    @discardableResult
    func flush() -> Bool {
        if let tls = self.tls { return self.flush(tls) }
        guard let buffer = self.outbound else { return true }
        while !buffer.isEmpty {
            switch Socket.write(self.fd, buffer.readableView) {
            case .bytes(let count):
                buffer.consume(count)
            case .wouldBlock:
                return false
            case .failed(let error):
                self.writeFailed(error)
                return false
            case .endOfFile:
                return false
            }
        }
        self.context.loop.buffers.give(buffer)
        self.outbound = nil
        return true
    }

    /// Writes `bytes` now if nothing is queued, queueing whatever the kernel does not take.
    /// Returns `true` when everything went out.
    @discardableResult
    func send(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if self.hasPendingOutput || self.tls != nil {
            self.outboundForWriting().append(bytes)
            return self.flush()
        }
        var offset = 0
        while offset < bytes.count {
            switch Socket.write(self.fd, UnsafeRawBufferPointer(rebasing: bytes[offset...])) {
            case .bytes(let count):
                offset += count
            case .wouldBlock, .endOfFile:
                self.outboundForWriting().append(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
                return false
            case .failed(let error):
                self.writeFailed(error)
                return false
            }
        }
        return true
    }

    /// Called when a write fails: the connection is unusable.
    func writeFailed(_ error: SystemCallError) {
        preconditionFailure("subclasses handle write failures")
    }

    /// Closes the socket and gives the buffers back. Idempotent.
    func closeSocket() {
        guard !self.isClosed else { return }
        self.isClosed = true
        self.deregister()
        if let tls = self.tls {
            tls.close()
            self.tls = nil
        }
        Socket.close(self.fd)
        self.fd = -1
        if let buffer = self.inbound { self.context.loop.buffers.give(buffer) }
        if let buffer = self.outbound { self.context.loop.buffers.give(buffer) }
        self.inbound = nil
        self.outbound = nil
    }
}

// MARK: - TLS

extension Connection {
    /// Reads through TLS until the socket is drained or the buffer's space is used up, so that
    /// `filled` means what it means for plaintext: OpenSSL returns one record per call and may
    /// hold the next already, which no readiness event would announce. An end of file or error
    /// after some bytes is left for the next call (the caller reads again after `filled`).
    private func readOnce(_ tls: TLSSession, into buffer: IOBuffer) -> (result: IOResult, filled: Bool) {
        var total = 0
        var outcome: (result: IOResult, filled: Bool)
        reading: while true {
            let result = tls.read(into: buffer)
            switch result {
            case .bytes(let count):
                total += count
                if buffer.writableBytes == 0 {
                    outcome = (.bytes(total), true)
                    break reading
                }
            case .wouldBlock:
                outcome = (total > 0 ? .bytes(total) : .wouldBlock, false)
                break reading
            case .endOfFile, .failed:
                outcome = total > 0 ? (.bytes(total), true) : (result, false)
                break reading
            }
        }
        if tls.writeIsBlockedOnRead && self.hasPendingOutput {
            // Output waited for this read (a handshake message): offer it again.
            self.postEvents(EventLoop.writable)
        }
        return outcome
    }

    /// Writes pending output through TLS; when a handshake or read waited for writability, the
    /// read side gets its turn again too.
    private func flush(_ tls: TLSSession) -> Bool {
        if tls.readIsBlockedOnWrite { self.postEvents(EventLoop.readable) }
        guard let buffer = self.outbound else { return true }
        while !buffer.isEmpty {
            switch tls.write(buffer.readableView) {
            case .bytes(let count):
                buffer.consume(count)
            case .wouldBlock:
                return false
            case .failed(let error):
                self.writeFailed(error)
                return false
            case .endOfFile:
                return false
            }
        }
        self.context.loop.buffers.give(buffer)
        self.outbound = nil
        return true
    }

    /// Delivers `events` to the connection after the current pass, as if the loop had seen them:
    /// TLS can make one direction ready through the other, which epoll does not report. With
    /// renegotiation disabled this happens only during a handshake, never to an idle server
    /// connection, so the connection cannot have moved to another loop before the events arrive.
    private func postEvents(_ events: UInt32) {
        self.context.loop.afterPass { [self] in
            if !self.isClosed { self.handleEvents(events) }
        }
    }
}

