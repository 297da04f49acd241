// TLSTests: TLS between clients and the proxy and between the proxy and servers, with real clients
// (psql, libpq, psycopg, openssl s_client), real PostgreSQL, and certificates made by the openssl CLI.
import Foundation
import Glibc
import SwitchyardTesting
import SwitchyardWire
import Testing

@Suite("TLS", .serialized, .enabled(if: TLSCertificates.openssl != nil))
struct TLSTests {
    // MARK: - Clients to the proxy

    @Test("psql connects with sslmode=require and verify-full and runs queries")
    func psqlOverTLS() throws {
        let certificates = try TLSCertificates.shared.get()
        let proxy = try startProxy(server: try TestCluster.shared.primary(), tls: certificates.clientTLSKeys())
        defer { proxy.stop() }

        let require = try ClientTools.psql(
            [clientConnection(proxy, sslmode: "require"), "-At", "-c", "SELECT 40 + 2", "-c", "\\conninfo"],
            password: "app")
        #expect(require.succeeded, "\(require.standardError)")
        #expect(require.standardOutput.hasPrefix("42\n"))
        #expect(require.standardOutput.contains("SSL connection (protocol: TLSv1."))

        let verifyFull = try ClientTools.psql(
            [certificates.verifyFull(proxy), "-At", "-c", "SELECT count(*) FROM generate_series(1, 100000)"],
            password: "app")
        #expect(verifyFull.succeeded, "\(verifyFull.standardError)")
        #expect(verifyFull.standardOutput == "100000\n")
    }

    /// libpq with verify-full checks the chain and the name; channel_binding=require makes it
    /// refuse any login that is not SCRAM-SHA-256-PLUS bound to the certificate it saw.
    @Test("libpq with verify-full and channel_binding=require (SCRAM-SHA-256-PLUS)")
    func libpqVerifyFullWithChannelBinding() throws {
        let certificates = try TLSCertificates.shared.get()
        let proxy = try startProxy(server: try TestCluster.shared.primary(), tls: certificates.clientTLSKeys())
        defer { proxy.stop() }

        let connection = try PGConnection(certificates.verifyFull(proxy) + " password=app channel_binding=require")
        defer { connection.close() }
        #expect(try connection.exec("SELECT current_user").scalar == "app")
        // Enough bytes in both directions to cross many TLS records.
        let text = String(repeating: "switchyard", count: 50_000)
        let echoed = try connection.execParams("SELECT length($1::text), md5($1::text)", params: [text])
        #expect(echoed.rows.first?.first == "500000")
        let rows = try connection.exec("SELECT i, repeat('x', 1000) FROM generate_series(1, 2000) i")
        #expect(rows.rows.count == 2000)

        // The same login against a CA that did not sign the proxy's certificate is refused by libpq.
        let wrongCA = certificates.verifyFull(proxy, rootCertificate: certificates.otherCACertificate)
        let error = try #require(throws: PGError.self) { try PGConnection(wrongCA + " password=app") }
        #expect(error.message.contains("certificate verify failed"), "\(error)")
    }

    /// An unknown user over TLS runs the bound exchange to the end and fails as a wrong password.
    @Test("an unknown user over TLS with channel binding gets 28P01")
    func unknownUserWithChannelBinding() throws {
        let certificates = try TLSCertificates.shared.get()
        let proxy = try startProxy(server: try TestCluster.shared.primary(), tls: certificates.clientTLSKeys())
        defer { proxy.stop() }
        let conninfo = certificates.verifyFull(proxy, user: "nobody") + " password=x channel_binding=require"
        let error = try #require(throws: PGError.self) { try PGConnection(conninfo) }
        #expect(error.sqlState == .invalidPassword, "\(error)")
    }

    @Test("psycopg connects with sslmode=verify-full", .enabled(if: TLSCertificates.hasPsycopg))
    func psycopgVerifyFull() throws {
        let certificates = try TLSCertificates.shared.get()
        let proxy = try startProxy(server: try TestCluster.shared.primary(), tls: certificates.clientTLSKeys())
        defer { proxy.stop() }
        let script = """
            import sys, psycopg
            with psycopg.connect(sys.argv[1]) as connection:
                print(connection.info.pgconn.ssl_in_use, connection.execute("SELECT 6 * 7").fetchone()[0])
            """
        let result = try Command(
            "/usr/bin/env", ["python3", "-c", script, certificates.verifyFull(proxy) + " password=app"]
        ).run(timeout: 60)
        #expect(result.succeeded, "\(result.standardError)")
        #expect(result.standardOutput == "True 42\n")
    }

    @Test("client_tls = \"require\" refuses a plaintext client with FATAL 28000")
    func requireRefusesPlaintext() throws {
        let certificates = try TLSCertificates.shared.get()
        let proxy = try startProxy(
            server: try TestCluster.shared.primary(), tls: certificates.clientTLSKeys() + "\nclient_tls = \"require\"")
        defer { proxy.stop() }

        let error = try #require(throws: PGError.self) {
            try PGConnection(clientConnection(proxy, sslmode: "disable") + " password=app")
        }
        #expect(error.sqlState == .invalidAuthorizationSpecification, "\(error)")
        #expect(error.severity == "FATAL")
        #expect(error.message == "SSL connection is required")

        let tls = try PGConnection(clientConnection(proxy, sslmode: "require") + " password=app")
        defer { tls.close() }
        #expect(try tls.exec("SELECT 1").scalar == "1")
    }

    @Test("client_tls = \"disable\" answers SSLRequest with N despite a certificate")
    func disableAnswersN() throws {
        let certificates = try TLSCertificates.shared.get()
        let proxy = try startProxy(
            server: try TestCluster.shared.primary(), tls: certificates.clientTLSKeys() + "\nclient_tls = \"disable\"")
        defer { proxy.stop() }

        let raw = try RawConnection(port: proxy.port)
        try raw.send(RawConnection.sslRequest)
        #expect(raw.receive(count: 1) == [UInt8(ascii: "N")])

        let required = try ClientTools.psql([clientConnection(proxy, sslmode: "require"), "-c", "SELECT 1"], password: "app")
        #expect(!required.succeeded)
        #expect(required.standardError.contains("server does not support SSL, but SSL was required"))
        let preferred = try ClientTools.psql(
            [clientConnection(proxy, sslmode: "prefer"), "-At", "-c", "SELECT 1", "-c", "\\conninfo"], password: "app")
        #expect(preferred.succeeded, "\(preferred.standardError)")
        #expect(!preferred.standardOutput.contains("SSL connection"))
    }

    /// CVE-2021-23214: bytes behind the SSLRequest arrive before any handshake, so they are not
    /// encrypted and may come from a man in the middle. PostgreSQL answers FATAL 08P01
    /// "received unencrypted data after SSL request" and closes; so must the proxy.
    @Test("bytes sent right after SSLRequest are rejected before any handshake")
    func unencryptedDataAfterSSLRequest() throws {
        let certificates = try TLSCertificates.shared.get()
        let proxy = try startProxy(server: try TestCluster.shared.primary(), tls: certificates.clientTLSKeys())
        defer { proxy.stop() }

        let raw = try RawConnection(port: proxy.port)
        try raw.send(RawConnection.sslRequest + RawConnection.startupMessage(user: "app", database: "app"))
        let answer = raw.receiveUntilClosed()
        #expect(answer.first == UInt8(ascii: "E"), "no 'S' and no handshake, an ErrorResponse: \(answer)")
        let fields = String(decoding: answer.dropFirst(5), as: UTF8.self).split(separator: "\0").map(String.init)
        #expect(fields.contains("SFATAL"))
        #expect(fields.contains("C08P01"))
        #expect(fields.contains("Mreceived unencrypted data after SSL request"))
    }

    /// After a SIGHUP the certificate files are read again: a new connection sees the new
    /// certificate, and a connection made before keeps working.
    @Test("certificate and key are reloaded on SIGHUP")
    func certificateReload() throws {
        let certificates = try TLSCertificates.shared.get()
        let directory = try TLSCertificates.makeDirectory()
        let certificate = directory + "/proxy.crt"
        let key = directory + "/proxy.key"
        try FileManager.default.copyItem(atPath: certificates.serverCertificate, toPath: certificate)
        try FileManager.default.copyItem(atPath: certificates.serverKey, toPath: key)
        // Relative names are read from the configuration file's folder (a sibling in /tmp).
        let folder = (directory as NSString).lastPathComponent
        let proxy = try startProxy(
            server: try TestCluster.shared.primary(),
            tls: "tls_cert_file = \"../\(folder)/proxy.crt\"\ntls_key_file = \"../\(folder)/proxy.key\"")
        defer { proxy.stop() }

        let before = try TLSCertificates.servedCertificate(port: proxy.port)
        #expect(before.contains("subject=CN = localhost\n"), "\(before)")
        let early = try PGConnection(certificates.verifyFull(proxy) + " password=app")
        defer { early.close() }

        try FileManager.default.removeItem(atPath: certificate)
        try FileManager.default.removeItem(atPath: key)
        try FileManager.default.copyItem(atPath: certificates.renewedCertificate, toPath: certificate)
        try FileManager.default.copyItem(atPath: certificates.renewedKey, toPath: key)
        proxy.signal(SIGHUP)
        #expect(try waitUntil { proxy.output().contains("TLS certificate loaded") })

        let after = try TLSCertificates.servedCertificate(port: proxy.port)
        #expect(after.contains("subject=CN = localhost, O = Switchyard Renewed\n"), "\(after)")
        #expect(serial(of: after) != serial(of: before))
        let late = try PGConnection(certificates.verifyFull(proxy) + " password=app channel_binding=require")
        defer { late.close() }
        #expect(try late.exec("SELECT 2").scalar == "2")
        #expect(try early.exec("SELECT 1").scalar == "1")
    }

    // MARK: - The proxy to servers

    /// A server of its own with `ssl = on` and the test certificate (which names 127.0.0.1).
    @Test("server_tls reaches an ssl=on server, verifying chain and host name with a CA file, for health checks too")
    func serverTLS() throws {
        let certificates = try TLSCertificates.shared.get()
        let (topology, cluster) = try TestCluster.shared.startThrowawayCluster(replicas: 0)
        defer { topology.stop() }
        let server = cluster.primary
        try certificates.install(certificate: certificates.serverCertificate, key: certificates.serverKey, on: server)
        #expect(try server.query("SHOW ssl") == "on")

        let sslInUse = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
        let cases: [(settings: String, expected: String)] = [
            ("server_tls = \"require\"", "t"),
            ("server_tls = \"require\"\nserver_tls_ca_file = \"\(certificates.caCertificate)\"", "t"),
            ("server_tls = \"prefer\"", "t"),
            ("server_tls = \"disable\"", "f"),
        ]
        for (settings, expected) in cases {
            let proxy = try startProxy(server: server, tls: settings)
            defer { proxy.stop() }
            let connection = try PGConnection(clientConnection(proxy, sslmode: "disable") + " password=app")
            defer { connection.close() }
            #expect(try connection.exec(sslInUse).scalar == expected, "\(settings)")
            // The health checks' own connection follows server_tls too.
            let healthSSL = """
                SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
                WHERE a.application_name = 'switchyard health check'
                """
            #expect(try waitUntil(timeout: 10) { try server.query(healthSSL) == expected }, "health check, \(settings)")
        }

        // A CA that did not sign the server's certificate: every login fails with 08006, which
        // names the reason (once the health checks, failing too, take the server out, as the
        // detail of "no primary server is available").
        let wrongCA = try startProxy(
            server: server, tls: "server_tls = \"require\"\nserver_tls_ca_file = \"\(certificates.otherCACertificate)\"")
        defer { wrongCA.stop() }
        let untrusted = try #require(throws: PGError.self) {
            try PGConnection(clientConnection(wrongCA, sslmode: "disable") + " password=app")
        }
        #expect(untrusted.sqlState == .connectionFailure, "\(untrusted)")
        #expect(untrusted.explains("certificate verify failed"), "\(untrusted)")

        // A certificate from the right CA that names only "localhost" does not match 127.0.0.1.
        try certificates.install(certificate: certificates.renewedCertificate, key: certificates.renewedKey, on: server)
        let mismatch = try startProxy(
            server: server, tls: "server_tls = \"require\"\nserver_tls_ca_file = \"\(certificates.caCertificate)\"")
        defer { mismatch.stop() }
        let misnamed = try #require(throws: PGError.self) {
            try PGConnection(clientConnection(mismatch, sslmode: "disable") + " password=app")
        }
        #expect(misnamed.sqlState == .connectionFailure, "\(misnamed)")
        #expect(misnamed.explains("IP address mismatch"), "\(misnamed)")
    }

    @Test("server_tls = \"require\" fails with 08006 against a server without TLS; prefer falls back")
    func serverWithoutTLS() throws {
        let primary = try TestCluster.shared.primary()
        #expect(try primary.query("SHOW ssl") == "off")

        let required = try startProxy(server: primary, tls: "server_tls = \"require\"")
        defer { required.stop() }
        let error = try #require(throws: PGError.self) {
            try PGConnection(clientConnection(required, sslmode: "disable") + " password=app")
        }
        #expect(error.sqlState == .connectionFailure, "\(error)")
        #expect(error.explains("server does not support SSL, but SSL was required"), "\(error)")

        let preferred = try startProxy(server: primary, tls: "server_tls = \"prefer\"")
        defer { preferred.stop() }
        let connection = try PGConnection(clientConnection(preferred, sslmode: "disable") + " password=app")
        defer { connection.close() }
        #expect(try connection.exec("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").scalar == "f")
    }

    /// What a server sends instead of a bare 'S' or 'N' comes from a peer nobody has
    /// authenticated: the connection is aborted and none of its text reaches clients. Bytes after
    /// an 'S' are refused like the client side's (CVE-2021-23222).
    @Test(
        "a server answering SSLRequest with anything but S or N is dropped without relaying it",
        arguments: [
            (ScriptedServer.errorResponse, "answered the SSL request with 'E', not S or N"),
            ([UInt8(ascii: "S")] + Array("unencrypted".utf8), "received unencrypted data after SSL response"),
        ])
    func serverWithUnexpectedSSLAnswer(reply: [UInt8], logged: String) throws {
        let server = try ScriptedServer(reply: reply)
        defer { server.stop() }
        let proxy = try startProxy(serverHost: "127.0.0.1", serverPort: server.port, tls: "server_tls = \"prefer\"")
        defer { proxy.stop() }
        let error = try #require(throws: PGError.self) {
            try PGConnection(clientConnection(proxy, sslmode: "disable") + " password=app")
        }
        #expect(error.sqlState == .connectionFailure, "\(error)")
        #expect(!error.message.contains("secret"), "\(error)")
        #expect(error.detail?.contains("secret") != true)
        #expect(try waitUntil { proxy.output().contains(logged) }, "\(proxy.output())")
    }

    // MARK: - Helpers

    private func startProxy(server: LocalPostgres, tls: String) throws -> ProxyProcess {
        try startProxy(serverHost: server.host, serverPort: server.port, tls: tls)
    }

    /// A proxy for user app/app in front of one server; `tls` holds the `[proxy]` TLS keys.
    private func startProxy(serverHost: String, serverPort: Int, tls: String) throws -> ProxyProcess {
        let port = try freePort()
        let config = """
            [proxy]
            listen = "127.0.0.1:\(port)"
            admin_listen = ""
            workers = 2
            query_wait_timeout_ms = 2000
            server_connect_timeout_ms = 2000
            \(tls)

            [health]
            user = "app"
            password = "app"
            failure_threshold = 1000

            [[users]]
            name = "app"
            password = "app"

            [clusters.main]
            database = "app"

            [[clusters.main.servers]]
            host = "\(serverHost)"
            port = \(serverPort)
            role = "primary"

            [databases.app]
            cluster = "main"
            """
        return try ProxyProcess.start(config: config, port: port)
    }

    private func clientConnection(_ proxy: ProxyProcess, sslmode: String) -> String {
        "host=127.0.0.1 port=\(proxy.port) user=app dbname=app sslmode=\(sslmode)"
    }

    private func serial(of text: String) -> Substring? {
        text.split(separator: "\n").first { $0.hasPrefix("serial=") }
    }
}

// MARK: - Certificates

/// A test CA, a server certificate it signed for localhost and 127.0.0.1, a renewed one for
/// localhost only, and an unrelated CA; made once per test process with the openssl CLI.
struct TLSCertificates: Sendable {
    let directory: String
    var caCertificate: String { directory + "/ca.crt" }
    var otherCACertificate: String { directory + "/other-ca.crt" }
    var serverCertificate: String { directory + "/server.crt" }
    var serverKey: String { directory + "/server.key" }
    var renewedCertificate: String { directory + "/renewed.crt" }
    var renewedKey: String { directory + "/renewed.key" }

    static let openssl: String? = ["/usr/bin/openssl", "/usr/local/bin/openssl"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    static let hasPsycopg: Bool =
        (try? Command("/usr/bin/env", ["python3", "-c", "import psycopg"]).run(timeout: 30).succeeded) ?? false

    static let shared: Result<TLSCertificates, any Error> = Result { try make() }

    private static func make() throws -> TLSCertificates {
        let certificates = TLSCertificates(directory: try makeDirectory())
        let directory = certificates.directory
        func openssl(_ arguments: [String]) throws {
            try Command(Self.openssl!, arguments, workingDirectory: directory).check(timeout: 60)
        }
        for (name, subject) in [("ca", "/CN=Switchyard Test CA"), ("other-ca", "/CN=Someone Else's CA")] {
            try openssl([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", subject,
                "-keyout", "\(name).key", "-out", "\(name).crt",
            ])
        }
        let leaves = [
            ("server", "/CN=localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1"),
            ("renewed", "/CN=localhost/O=Switchyard Renewed", "subjectAltName=DNS:localhost"),
        ]
        for (name, subject, extensions) in leaves {
            try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", "\(name).key", "-out", "\(name).csr"])
            try (extensions + "\n").write(toFile: directory + "/\(name).ext", atomically: true, encoding: .utf8)
            try openssl([
                "x509", "-req", "-in", "\(name).csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", "\(name).ext", "-out", "\(name).crt",
            ])
        }
        return certificates
    }

    static func makeDirectory() throws -> String {
        var template = Array("/tmp/switchyard-tls-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw LocalError.systemCall(name: "mkdtemp", errno: errno)
        }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        LocalRegistry.shared.temporaryDirectoryCreated(path)
        return path
    }

    /// `[proxy]` keys that give the proxy the server certificate.
    func clientTLSKeys() -> String {
        "tls_cert_file = \"\(serverCertificate)\"\ntls_key_file = \"\(serverKey)\""
    }

    /// A libpq connection string that checks the proxy's certificate chain and name.
    func verifyFull(_ proxy: ProxyProcess, user: String = "app", rootCertificate: String? = nil) -> String {
        "host=localhost hostaddr=127.0.0.1 port=\(proxy.port) user=\(user) dbname=app sslmode=verify-full "
            + "sslrootcert=\(rootCertificate ?? caCertificate)"
    }

    /// Gives `server` this certificate and key (as its own files) and turns TLS on with a reload.
    func install(certificate: String, key: String, on server: LocalPostgres) throws {
        try server.account.writeFile(server.dataDirectory + "/server.crt", String(contentsOfFile: certificate, encoding: .utf8))
        try server.account.writeFile(server.dataDirectory + "/server.key", String(contentsOfFile: key, encoding: .utf8))
        _ = try server.query("ALTER SYSTEM SET ssl = on")
        _ = try server.query("SELECT pg_reload_conf()")
        // The reload is asynchronous; a TLS connection succeeds once the files are in use.
        let expected = try Command(Self.openssl!, ["x509", "-noout", "-serial", "-in", certificate]).check()
        #expect(try waitUntil { try Self.servedCertificate(port: server.port).contains(expected) })
    }

    /// `subject=...` and `serial=...` of the certificate served on `port` after PostgreSQL's
    /// SSLRequest, as `openssl s_client -starttls postgres` receives it.
    static func servedCertificate(port: Int) throws -> String {
        let session = try Command(
            openssl!, ["s_client", "-starttls", "postgres", "-connect", "127.0.0.1:\(port)"]
        ).run(timeout: 30)
        return try Command(openssl!, ["x509", "-noout", "-subject", "-serial"], input: session.standardOutput).check()
    }
}

// MARK: - Raw sockets

/// A plain TCP connection for bytes no client library would send.
private final class RawConnection {
    private let fd: Int32

    /// SSLRequest: Int32 length 8, then the code 80877103 = 0x04D2162F (protocol docs, "SSLRequest").
    static let sslRequest: [UInt8] = [0x00, 0x00, 0x00, 0x08, 0x04, 0xD2, 0x16, 0x2F]

    /// StartupMessage: Int32 length, Int32 196608 (protocol 3.0 = 0x00030000), then name/value
    /// pairs as C strings and a final NUL (protocol docs, "StartupMessage").
    static func startupMessage(user: String, database: String) -> [UInt8] {
        let body = Array("user\0\(user)\0database\0\(database)\0\0".utf8)
        let length = UInt32(8 + body.count)
        return [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
            + [0x00, 0x03, 0x00, 0x00] + body
    }

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LocalError.systemCall(name: "socket", errno: errno) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let error = errno
            close(fd)
            throw LocalError.systemCall(name: "connect", errno: error)
        }
    }

    deinit { close(fd) }

    /// Sends `bytes` in one write.
    func send(_ bytes: [UInt8]) throws {
        let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw LocalError.systemCall(name: "send", errno: errno) }
    }

    /// Up to `count` bytes, as soon as some arrive (empty at end of file or after 10 s).
    func receive(count: Int) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        let received = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, count, 0) }
        return received > 0 ? Array(buffer.prefix(received)) : []
    }

    /// Everything until the peer closes (or 10 s pass without a byte).
    func receiveUntilClosed() -> [UInt8] {
        var all: [UInt8] = []
        while true {
            let chunk = receive(count: 4096)
            if chunk.isEmpty { return all }
            all += chunk
        }
    }
}

/// A TCP server on 127.0.0.1 that answers whatever each connection sends first with `reply`,
/// then closes it: a stand-in for a server (or a man in the middle) that misbehaves.
private final class ScriptedServer: @unchecked Sendable {
    /// An ErrorResponse whose text must never reach a client:
    /// 'E', Int32 length, then S/V/C/M fields as C strings and a final NUL (protocol docs).
    static let errorResponse: [UInt8] = {
        let body = Array("SFATAL\0VFATAL\0C28000\0Msecret text of an unauthenticated server\0\0".utf8)
        let length = UInt32(4 + body.count)
        return [UInt8(ascii: "E"), UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
            + body
    }()

    let port: Int
    private let fd: Int32
    private let thread: Thread

    init(reply: [UInt8]) throws {
        let port = try freePort()
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 64) == 0 else {
            let error = errno
            close(fd)
            throw LocalError.systemCall(name: "listen", errno: error)
        }
        self.port = port
        self.fd = fd
        self.thread = Thread {
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                var timeout = timeval(tv_sec: 2, tv_usec: 0)
                setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                var scratch = [UInt8](repeating: 0, count: 1024)
                _ = scratch.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
                _ = reply.withUnsafeBytes { Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                // Wait for the peer to close, so the reply is not cut short by a reset.
                _ = scratch.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
                close(client)
            }
        }
        self.thread.start()
    }

    /// Stops accepting; the accept loop ends.
    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }
}

extension PGError {
    /// Whether the message or its detail contains `reason`.
    fileprivate func explains(_ reason: String) -> Bool {
        self.message.contains(reason) || (self.detail ?? "").contains(reason)
    }
}
