// Socket: non-blocking TCP system calls (listen, accept, connect, read, write) behind one error type.
import CSwitchyardSys
import Glibc

/// Non-blocking TCP socket operations. Descriptors are plain `Int32`s owned by their connection.
package enum Socket {
    /// Opens a listening socket. `reusePort` lets every loop listen on the same address.
    package static func listen(_ address: SocketAddress, backlog: Int32 = 4096, reusePort: Bool) throws -> Int32 {
        let fd = sy_tcp_socket(address.family)
        guard fd >= 0 else { throw SystemCallError("socket", errno: errno) }
        _ = sy_set_reuseaddr(fd)
        if reusePort { _ = sy_set_reuseport(fd) }
        let bound = address.withSockAddr { Glibc.bind(fd, $0, $1) }
        guard bound == 0 else {
            let error = errno
            Glibc.close(fd)
            throw SystemCallError("bind \(address)", errno: error)
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let error = errno
            Glibc.close(fd)
            throw SystemCallError("listen \(address)", errno: error)
        }
        return fd
    }

    /// Accepts one connection: the new non-blocking descriptor and the peer's address, or `nil`
    /// when none is pending. Transient errors (aborted connections, descriptor exhaustion) also
    /// return `nil` with the errno, so the caller can log and retry later.
    package static func accept(_ fd: Int32) -> (fd: Int32, peer: SocketAddress?)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let client = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sy_accept(fd, $0, &length) }
        }
        guard client >= 0 else { return nil }
        let peer = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { SocketAddress(sockaddr: $0) }
        }
        _ = sy_set_nodelay(client)
        return (client, peer)
    }

    /// Starts a non-blocking connect. Returns the descriptor and whether it already completed.
    package static func connect(_ address: SocketAddress) throws -> (fd: Int32, isConnected: Bool) {
        let fd = sy_tcp_socket(address.family)
        guard fd >= 0 else { throw SystemCallError("socket", errno: errno) }
        _ = sy_set_nodelay(fd)
        _ = sy_set_keepalive(fd)
        let result = address.withSockAddr { Glibc.connect(fd, $0, $1) }
        if result == 0 { return (fd, true) }
        let error = errno
        if error == EINPROGRESS { return (fd, false) }
        Glibc.close(fd)
        throw SystemCallError("connect \(address)", errno: error)
    }

    /// The result of a finished non-blocking connect: `nil` on success, else the error.
    package static func connectError(_ fd: Int32) -> SystemCallError? {
        let error = sy_socket_error(fd)
        return error == 0 ? nil : SystemCallError("connect", errno: error < 0 ? errno : error)
    }

    /// Reads into `buffer`'s writable space.
    @inline(__always)
    package static func read(_ fd: Int32, into buffer: IOBuffer) -> IOResult {
        while true {
            let count = Glibc.read(fd, buffer.base + buffer.writerIndex, buffer.writableBytes)
            if count > 0 {
                buffer.writerIndex += count
                return .bytes(count)
            }
            if count == 0 { return .endOfFile }
            let error = errno
            if error == EINTR { continue }
            if error == EAGAIN || error == EWOULDBLOCK { return .wouldBlock }
            return .failed(SystemCallError("read", errno: error))
        }
    }

    /// Writes bytes; a short count means the kernel buffer is full.
    @inline(__always)
    package static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> IOResult {
        while true {
            let count = sy_send(fd, bytes.baseAddress, bytes.count)
            if count >= 0 { return .bytes(count) }
            let error = errno
            if error == EINTR { continue }
            if error == EAGAIN || error == EWOULDBLOCK { return .wouldBlock }
            return .failed(SystemCallError("send", errno: error))
        }
    }

    /// Writes several byte ranges in one call.
    @inline(__always)
    package static func writev(_ fd: Int32, _ vectors: UnsafeBufferPointer<iovec>) -> IOResult {
        while true {
            let count = sy_writev(fd, vectors.baseAddress, Int32(vectors.count))
            if count >= 0 { return .bytes(count) }
            let error = errno
            if error == EINTR { continue }
            if error == EAGAIN || error == EWOULDBLOCK { return .wouldBlock }
            return .failed(SystemCallError("sendmsg", errno: error))
        }
    }

    package static func close(_ fd: Int32) { _ = Glibc.close(fd) }
}
