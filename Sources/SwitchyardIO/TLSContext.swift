// TLSContext: an immutable OpenSSL context, either the proxy's server side (certificate and key) or its
// client side towards servers (optional CA verification); every TLSSession starts from one.
import COpenSSL
import Glibc

/// An OpenSSL `SSL_CTX`, configured once and never changed afterwards.
///
/// A reload builds a new context from the files and hands it to the loops in the new
/// configuration snapshot; connections already open keep the context they started with (each
/// `SSL` holds a reference to its `SSL_CTX`), new ones use the new one.
///
/// Thread safety: OpenSSL allows one `SSL_CTX` to create sessions on many threads at once once it
/// is configured (its reference counts and session cache are locked internally), and nothing here
/// mutates it after `init`. That is why the class may be `@unchecked Sendable`.
package final class TLSContext: @unchecked Sendable {
    /// Which end of the handshake sessions made from this context play.
    package enum Role: Sendable, Equatable {
        /// The proxy accepting TLS from clients, with its certificate.
        case server
        /// The proxy connecting to servers; `verifiesPeer` when a CA file was given, in which case
        /// the server's chain and its host name are checked.
        case client(verifiesPeer: Bool)
    }

    let handle: OpaquePointer
    package let role: Role

    /// A server context presenting the PEM certificate chain in `certificateFile` with the PEM
    /// private key in `keyFile` (unencrypted: the daemon cannot ask for a passphrase).
    package init(certificateFile: String, keyFile: String) throws(TLSError) {
        let handle = try Self.makeHandle(TLS_server_method())
        self.handle = handle
        self.role = .server
        // An encrypted key would make OpenSSL prompt on the terminal; refuse it instead.
        SSL_CTX_set_default_passwd_cb(handle) { _, _, _, _ in 0 }
        guard SSL_CTX_use_certificate_chain_file(handle, certificateFile) == 1 else {
            throw TLSError.fromQueue("could not load certificate file \"\(certificateFile)\"")
        }
        guard SSL_CTX_use_PrivateKey_file(handle, keyFile, SSL_FILETYPE_PEM) == 1 else {
            throw TLSError.fromQueue("could not load private key file \"\(keyFile)\"")
        }
        guard SSL_CTX_check_private_key(handle) == 1 else {
            throw TLSError.fromQueue("private key file \"\(keyFile)\" does not match certificate \"\(certificateFile)\"")
        }
        // PostgreSQL clients do not resume sessions: no cache and no tickets, so the handshake
        // ends with the server's last flight and nothing is written after it unasked.
        _ = SSL_CTX_ctrl(handle, SSL_CTRL_SET_SESS_CACHE_MODE, Int(SSL_SESS_CACHE_OFF), nil)
        _ = SSL_CTX_set_num_tickets(handle, 0)
        _ = SSL_CTX_set_options(handle, Self.cipherServerPreference | Self.noTicket)
    }

    /// A client context for connections to servers. With `trustedCAFile`, server certificates
    /// must chain to one of its certificates (and match the host name, see `makeClientSession`);
    /// without it they are not checked (libpq's `sslmode=require`).
    package init(trustedCAFile: String?) throws(TLSError) {
        let handle = try Self.makeHandle(TLS_client_method())
        self.handle = handle
        if let trustedCAFile {
            guard SSL_CTX_load_verify_locations(handle, trustedCAFile, nil) == 1 else {
                throw TLSError.fromQueue("could not load CA file \"\(trustedCAFile)\"")
            }
            SSL_CTX_set_verify(handle, SSL_VERIFY_PEER, nil)
            self.role = .client(verifiesPeer: true)
        } else {
            SSL_CTX_set_verify(handle, SSL_VERIFY_NONE, nil)
            self.role = .client(verifiesPeer: false)
        }
    }

    deinit { SSL_CTX_free(self.handle) }

    /// A context with what both roles share: TLS 1.2 or newer, no renegotiation, no compression,
    /// and writes that suit a non-blocking loop.
    private static func makeHandle(_ method: OpaquePointer?) throws(TLSError) -> OpaquePointer {
        // OpenSSL writes to sockets with write(2): a peer that is gone must be an EPIPE error,
        // not a signal that ends the process.
        signal(SIGPIPE, SIG_IGN)
        ERR_clear_error()
        guard let handle = SSL_CTX_new(method) else { throw TLSError.fromQueue("could not create a TLS context") }
        guard SSL_CTX_ctrl(handle, SSL_CTRL_SET_MIN_PROTO_VERSION, Int(TLS1_2_VERSION), nil) == 1 else {
            SSL_CTX_free(handle)
            throw TLSError.fromQueue("could not require TLS 1.2")
        }
        _ = SSL_CTX_set_options(handle, Self.noRenegotiation | Self.noCompression | Self.ignoreUnexpectedEOF)
        // Partial writes: SSL_write returns after each record, like send(2) after a short write.
        // Moving buffer: a write retried after WANT_WRITE comes from the connection's outbound
        // buffer, whose address may differ from the first attempt's (same bytes, same order).
        // Release buffers: an idle connection gives its record buffers back, as ours do.
        let mode = SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS
        _ = SSL_CTX_ctrl(handle, SSL_CTRL_MODE, Int(mode), nil)
        return handle
    }

    // `SSL_OP_BIT(n)` options from ssl.h, a function-like macro that Swift does not import.
    private static let ignoreUnexpectedEOF: UInt64 = 1 << 7
    private static let noTicket: UInt64 = 1 << 14
    private static let noCompression: UInt64 = 1 << 17
    private static let cipherServerPreference: UInt64 = 1 << 22
    private static let noRenegotiation: UInt64 = 1 << 30

    // MARK: - Sessions

    /// A session accepting TLS on the connected socket `fd`, from a server context.
    package func makeServerSession(fd: Int32) throws(TLSError) -> TLSSession {
        precondition(self.role == .server, "a client context cannot accept TLS")
        let ssl = try self.makeSSL(fd: fd)
        SSL_set_accept_state(ssl)
        return TLSSession(ssl: ssl, isServer: true)
    }

    /// A session connecting over TLS on the connected socket `fd` to the server `host` (a name
    /// or a numeric address, as configured). When the context verifies peers, the certificate
    /// must name `host`: a DNS name in its subjectAltName (or common name), or for an address
    /// an IP entry, as libpq's `sslmode=verify-full` demands.
    package func makeClientSession(fd: Int32, serverHost host: String) throws(TLSError) -> TLSSession {
        guard case .client(let verifiesPeer) = self.role else { preconditionFailure("a server context cannot connect") }
        let ssl = try self.makeSSL(fd: fd)
        let isAddress = SocketAddress(numericHost: host, port: 0) != nil
        if !isAddress {
            // Server Name Indication, as libpq sends it (sslsni=1) for host names only.
            // (OpenSSL copies the name.)
            _ = host.withCString { name in
                SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, Int(TLSEXT_NAMETYPE_host_name), UnsafeMutableRawPointer(mutating: name))
            }
        }
        if verifiesPeer {
            let accepted =
                isAddress ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) : SSL_set1_host(ssl, host)
            guard accepted == 1 else {
                SSL_free(ssl)
                throw TLSError.fromQueue("could not check server host name \"\(host)\"")
            }
        }
        SSL_set_connect_state(ssl)
        return TLSSession(ssl: ssl, isServer: false)
    }

    private func makeSSL(fd: Int32) throws(TLSError) -> OpaquePointer {
        ERR_clear_error()
        guard let ssl = SSL_new(self.handle) else { throw TLSError.fromQueue("could not create a TLS session") }
        guard SSL_set_fd(ssl, fd) == 1 else {
            SSL_free(ssl)
            throw TLSError.fromQueue("could not attach a TLS session to its socket")
        }
        return ssl
    }

    // MARK: - Certificate facts

    /// The subject and serial number of the certificate a server context presents, for logs.
    package var certificateSummary: String? {
        guard let certificate = SSL_CTX_get0_certificate(self.handle) else { return nil }
        return TLSCertificateInfo(certificate).summary
    }
}
