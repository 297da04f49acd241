// TLSSession: one connection's TLS over a non-blocking socket: the handshake, reads and writes driven
// by the loop's readiness events, close_notify, and the channel-binding data of the proxy's certificate.
import COpenSSL
import Glibc

/// TLS on one connected, non-blocking socket. Loop-confined, like the connection that owns it.
///
/// Nothing here blocks or waits: every call does what the socket allows now and reports
/// `.wouldBlock` otherwise. OpenSSL may need the other direction to make progress (a handshake
/// reads and writes; a write may wait for a handshake message to arrive), so besides the result
/// each call leaves two flags for the owner:
/// - `readIsBlockedOnWrite`: the handshake or a read stopped because the socket was full. Retry
///   reading once the socket is writable.
/// - `writeIsBlockedOnRead`: a write stopped because OpenSSL must read first. Retry writing once
///   something was read.
///
/// The handshake needs no call of its own: `read(into:)` and `write(_:)` advance it first, so it
/// moves on with every readiness event of the edge-triggered loop.
package final class TLSSession {
    private let ssl: OpaquePointer
    /// Whether the proxy plays the server (accepting a client) in this session.
    package let isServer: Bool
    /// The handshake finished; application data flows.
    package private(set) var isEstablished = false
    /// See the type's documentation.
    package private(set) var readIsBlockedOnWrite = false
    /// See the type's documentation.
    package private(set) var writeIsBlockedOnRead = false
    /// A fatal TLS error happened: no further call may touch the session, not even a shutdown.
    private var isBroken = false

    init(ssl: OpaquePointer, isServer: Bool) {
        self.ssl = ssl
        self.isServer = isServer
    }

    deinit { SSL_free(self.ssl) }

    // MARK: - Handshake

    /// The outcome of a handshake step.
    package enum HandshakeProgress: Equatable {
        /// The handshake is complete.
        case established
        /// The socket must become readable or writable first (see the flags).
        case wouldBlock
        /// The handshake failed; the connection must close.
        case failed(TLSError)
    }

    /// Advances the handshake as far as the socket allows.
    package func handshake() -> HandshakeProgress {
        if self.isEstablished { return .established }
        guard !self.isBroken else { return .failed(TLSError("TLS handshake", reason: "session is broken")) }
        ERR_clear_error()
        errno = 0
        let result = SSL_do_handshake(self.ssl)
        let savedErrno = errno
        if result == 1 {
            self.isEstablished = true
            self.readIsBlockedOnWrite = false
            return .established
        }
        switch SSL_get_error(self.ssl, result) {
        case SSL_ERROR_WANT_READ:
            self.readIsBlockedOnWrite = false
            return .wouldBlock
        case SSL_ERROR_WANT_WRITE:
            self.readIsBlockedOnWrite = true
            return .wouldBlock
        case SSL_ERROR_SYSCALL where savedErrno != 0:
            self.isBroken = true
            return .failed(TLSError("TLS handshake", reason: String(cString: strerror(savedErrno))))
        case SSL_ERROR_SYSCALL, SSL_ERROR_ZERO_RETURN:
            self.isBroken = true
            return .failed(TLSError.drainQueue().map { TLSError("TLS handshake", reason: $0) }
                ?? TLSError("TLS handshake", reason: "connection closed by peer"))
        default:
            self.isBroken = true
            return .failed(self.handshakeError())
        }
    }

    /// The queued OpenSSL reason, with the certificate check's own reason when that is what failed.
    private func handshakeError() -> TLSError {
        var reason = TLSError.drainQueue() ?? "protocol error"
        let verification = SSL_get_verify_result(self.ssl)
        if verification != Int(X509_V_OK), let text = X509_verify_cert_error_string(verification) {
            reason += ": " + String(cString: text)
        }
        return TLSError("TLS handshake", reason: reason)
    }

    // MARK: - Data

    /// Decrypts what the socket holds into `buffer`'s writable space, advancing the handshake
    /// first. A read returns at most one TLS record, and OpenSSL may hold more already read from
    /// the socket (or the rest of a record that did not fit): the caller keeps reading until
    /// `.wouldBlock` or until its buffer is full, since no readiness event will announce bytes
    /// that have already left the socket.
    @inline(__always)
    package func read(into buffer: IOBuffer) -> IOResult {
        if !self.isEstablished {
            switch self.handshake() {
            case .established: break
            case .wouldBlock: return .wouldBlock
            case .failed(let error): return .failed(error.systemCallError)
            }
        }
        guard !self.isBroken else { return .failed(TLSError("TLS read", reason: "session is broken").systemCallError) }
        ERR_clear_error()
        errno = 0
        let count = SSL_read(self.ssl, buffer.base + buffer.writerIndex, Int32(clamping: buffer.writableBytes))
        if count > 0 {
            self.readIsBlockedOnWrite = false
            buffer.writerIndex += Int(count)
            return .bytes(Int(count))
        }
        let savedErrno = errno
        switch SSL_get_error(self.ssl, count) {
        case SSL_ERROR_WANT_READ:
            self.readIsBlockedOnWrite = false
            return .wouldBlock
        case SSL_ERROR_WANT_WRITE:
            self.readIsBlockedOnWrite = true
            return .wouldBlock
        case SSL_ERROR_ZERO_RETURN:
            // close_notify, or (SSL_OP_IGNORE_UNEXPECTED_EOF) a plain TCP close: the end either way,
            // PostgreSQL's framing shows whether a message was cut short.
            return .endOfFile
        case SSL_ERROR_SYSCALL where savedErrno != 0:
            self.isBroken = true
            return .failed(SystemCallError("TLS read", errno: savedErrno))
        case SSL_ERROR_SYSCALL:
            self.isBroken = true
            return .endOfFile
        default:
            self.isBroken = true
            return .failed(TLSError.fromQueue("TLS read").systemCallError)
        }
    }

    /// Encrypts and sends a prefix of `bytes`, advancing the handshake first; `.bytes(n)` says
    /// how much was taken. After `.wouldBlock` the same bytes (at any address, possibly with more
    /// after them) must be offered again before anything else.
    @inline(__always)
    package func write(_ bytes: UnsafeRawBufferPointer) -> IOResult {
        guard bytes.count > 0 else { return .bytes(0) }
        self.writeIsBlockedOnRead = false
        if !self.isEstablished {
            switch self.handshake() {
            case .established:
                break
            case .wouldBlock:
                if !self.readIsBlockedOnWrite { self.writeIsBlockedOnRead = true }
                return .wouldBlock
            case .failed(let error):
                return .failed(error.systemCallError)
            }
        }
        guard !self.isBroken else { return .failed(TLSError("TLS write", reason: "session is broken").systemCallError) }
        ERR_clear_error()
        errno = 0
        let count = SSL_write(self.ssl, bytes.baseAddress, Int32(clamping: bytes.count))
        if count > 0 { return .bytes(Int(count)) }
        let savedErrno = errno
        switch SSL_get_error(self.ssl, count) {
        case SSL_ERROR_WANT_WRITE:
            return .wouldBlock
        case SSL_ERROR_WANT_READ:
            self.writeIsBlockedOnRead = true
            return .wouldBlock
        case SSL_ERROR_SYSCALL where savedErrno != 0:
            self.isBroken = true
            return .failed(SystemCallError("TLS write", errno: savedErrno))
        case SSL_ERROR_ZERO_RETURN, SSL_ERROR_SYSCALL:
            self.isBroken = true
            return .failed(SystemCallError("TLS write", errno: EPIPE))
        default:
            self.isBroken = true
            return .failed(TLSError.fromQueue("TLS write").systemCallError)
        }
    }

    /// Sends close_notify if the socket takes it now; never waits. Call before closing the socket.
    package func close() {
        guard self.isEstablished, !self.isBroken else { return }
        self.isBroken = true
        ERR_clear_error()
        _ = SSL_shutdown(self.ssl)
        ERR_clear_error()
    }

    // MARK: - Facts

    /// The `tls-server-end-point` channel-binding data (RFC 5929) of this connection: the hash of
    /// the certificate the proxy presented, for SCRAM-SHA-256-PLUS. `nil` before the handshake,
    /// on the client side, and for certificates whose signature names no single hash.
    package var tlsServerEndPoint: [UInt8]? {
        guard self.isServer, self.isEstablished, let certificate = SSL_get_certificate(self.ssl) else { return nil }
        return TLSCertificateInfo(certificate).tlsServerEndPointHash
    }

    /// The negotiated protocol version ("TLSv1.3"), for logs.
    package var protocolVersion: String { String(cString: SSL_get_version(self.ssl)) }
}
