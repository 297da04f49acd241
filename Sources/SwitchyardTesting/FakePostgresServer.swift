// FakePostgresServer: a loopback impostor of a PostgreSQL server, for tests of a proxy whose
// server breaks the protocol.
import Foundation
import Glibc
import Synchronization

/// A TCP server on 127.0.0.1 that speaks just enough of the protocol to be used as a proxy's
/// primary, and says whatever a test scripts.
///
/// Every connection is logged in the way a `trust` server does it (AuthenticationOk, a few
/// ParameterStatus, BackendKeyData, ReadyForQuery) unless `login` scripts something else. Simple
/// queries get one row with the value `1`, except the proxy's health check (`pg_is_in_recovery`,
/// answered as a primary, or as a replica when `inRecovery`), its housekeeping (`SET`, `RESET`,
/// `DISCARD`, `current_setting`), and whatever `query` scripts. SSLRequest and GSSENCRequest are
/// answered `N`.
///
/// Each connection runs on a thread of its own with blocking reads; `stop()` closes everything
/// (the threads keep the server alive until then).
package final class FakePostgresServer: Sendable {
    /// One connection as the scripts see it.
    package struct Session: Sendable, Equatable {
        /// 1 for the first connection accepted, then 2, 3...
        package var id: Int
        package var user: String
        package var database: String
    }

    /// The bytes to send after the StartupMessage instead of the usual login; `nil` for the usual one.
    /// After them the connection is served as usual.
    package typealias LoginScript = @Sendable (Session) -> [UInt8]?
    /// The bytes to send for a simple query that is not housekeeping; `nil` for the usual row.
    package typealias QueryScript = @Sendable (Session, String) -> [UInt8]?

    package let port: Int
    private let listener: Int32
    private let login: LoginScript
    private let query: QueryScript
    private let hangsUpAfter: @Sendable (String) -> Bool
    private let inRecovery: Bool
    private let state = Mutex(State())

    private struct State {
        var nextID = 1
        var open: [Int: Int32] = [:]
        var sessions: [Int: Session] = [:]
        var queries: [(session: Int, text: String)] = []
        /// Connections whose peer closed them (end of file, reset or Terminate).
        var closedByPeer: Set<Int> = []
        var isStopped = false
    }

    /// Starts listening on a free port. After answering a simple query for which `hangsUpAfter`
    /// holds, the server closes that connection, as a server going down does.
    package init(
        inRecovery: Bool = false,
        login: @escaping LoginScript = { _ in nil },
        query: @escaping QueryScript = { _, _ in nil },
        hangsUpAfter: @escaping @Sendable (String) -> Bool = { _ in false }
    ) throws {
        self.inRecovery = inRecovery
        self.login = login
        self.query = query
        self.hangsUpAfter = hangsUpAfter
        (self.port, self.listener) = try Self.listenOnFreePort()
        let thread = Thread { [self] in acceptLoop() }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Stops accepting and closes every connection.
    package func stop() {
        // Under the lock: a connection's thread forgets its descriptor under it before closing it,
        // so no descriptor shut down here can have been closed and reused meanwhile.
        // The accept loop closes the listener once shutdown wakes it.
        state.withLock { state in
            guard !state.isStopped else { return }
            state.isStopped = true
            for descriptor in [listener] + Array(state.open.values) { shutdown(descriptor, Int32(SHUT_RDWR)) }
        }
    }

    // MARK: - Observing

    /// Every connection accepted so far.
    package var sessions: [Session] { state.withLock { $0.sessions.values.sorted { $0.id < $1.id } } }

    /// Simple queries received so far, with the connection that received each.
    package var queries: [(session: Int, text: String)] { state.withLock { $0.queries } }

    /// The first connection that received a query containing `text`.
    package func session(receiving text: String) -> Int? {
        state.withLock { $0.queries.first { $0.text.contains(text) }?.session }
    }

    /// Whether the peer (the proxy) closed connection `id`.
    package func isClosedByPeer(_ id: Int) -> Bool {
        state.withLock { $0.closedByPeer.contains(id) }
    }

    // MARK: - Serving

    /// A listening socket on a free port (another process may take a port between the check and
    /// the bind: then the next one).
    private static func listenOnFreePort() throws -> (port: Int, descriptor: Int32) {
        var lastError: any Error = LocalError.noFreePort
        for _ in 0..<20 {
            let port = try freePort()
            do {
                return (port, try listen(port: port))
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    private static func listen(port: Int) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw LocalError.systemCall(name: "socket", errno: errno) }
        var yes: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, Glibc.listen(descriptor, 512) == 0 else {
            let error = errno
            close(descriptor)
            throw LocalError.systemCall(name: "bind/listen on port \(port)", errno: error)
        }
        return descriptor
    }

    private func acceptLoop() {
        defer { close(listener) }
        while true {
            let descriptor = accept(listener, nil, nil)
            if descriptor < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            let id = state.withLock { state -> Int? in
                guard !state.isStopped else { return nil }
                let id = state.nextID
                state.nextID += 1
                state.open[id] = descriptor
                return id
            }
            guard let id else {
                close(descriptor)
                return
            }
            let thread = Thread { [self] in
                let peerClosed = serve(id: id, descriptor: descriptor)
                state.withLock { state in
                    state.open[id] = nil
                    if peerClosed && !state.isStopped { state.closedByPeer.insert(id) }
                }
                close(descriptor)
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Serves one connection; returns whether it ended because the peer closed it.
    private func serve(id: Int, descriptor: Int32) -> Bool {
        var reader = BlockingReader(descriptor: descriptor)
        // Startup phase: SSLRequest and GSSENCRequest are refused, then the StartupMessage.
        var parameters: [String: String] = [:]
        while true {
            guard let header = reader.read(8) else { return true }
            let length = Int(Self.int32(header, 0))
            let code = Self.int32(header, 4)
            guard length >= 8, length <= 10_000, let body = reader.read(length - 8) else { return true }
            if code == FrontendBytes.sslRequestCode || code == FrontendBytes.gssEncRequestCode {
                guard Self.write(descriptor, [UInt8(ascii: "N")]) else { return true }
                continue
            }
            if code == FrontendBytes.cancelRequestCode { return true }
            let fields = body.split(separator: 0, omittingEmptySubsequences: false).map {
                String(decoding: $0, as: UTF8.self)
            }
            for index in stride(from: 0, to: fields.count - 1, by: 2) where !fields[index].isEmpty {
                parameters[fields[index]] = fields[index + 1]
            }
            break
        }
        let session = Session(id: id, user: parameters["user"] ?? "", database: parameters["database"] ?? "")
        state.withLock { $0.sessions[id] = session }
        let loginBytes = login(session) ?? Self.standardLogin(processID: Int32(1000 + id))
        guard Self.write(descriptor, loginBytes) else { return true }

        while true {
            guard let type = reader.read(1), let lengthBytes = reader.read(4) else { return true }
            let length = Int(Self.int32(lengthBytes, 0))
            guard length >= 4, let body = reader.read(length - 4) else { return true }
            switch type[0] {
            case UInt8(ascii: "X"):
                return true
            case UInt8(ascii: "Q"):
                let text = String(decoding: body.prefix { $0 != 0 }, as: UTF8.self)
                state.withLock { $0.queries.append((id, text)) }
                guard Self.write(descriptor, answer(text, session: session)) else { return true }
                if hangsUpAfter(text) { return false }
            case UInt8(ascii: "S"):
                guard Self.write(descriptor, BackendBytes.readyForQuery()) else { return true }
            default:
                continue
            }
        }
    }

    /// The answer to a simple query.
    private func answer(_ text: String, session: Session) -> [UInt8] {
        let upper = text.uppercased()
        if text.contains("pg_is_in_recovery") {
            // The health check: whether in recovery, a WAL position, timeline 1.
            return BackendBytes.rows(["in_recovery", "position", "timeline"], [inRecovery ? "t" : "f", "0/3000000", "1"])
        }
        if text.contains("current_setting") { return BackendBytes.rows(["current_setting"], ["0"]) }
        if upper.hasPrefix("DISCARD") { return BackendBytes.commandComplete("DISCARD ALL") + BackendBytes.readyForQuery() }
        if upper.hasPrefix("SET") || upper.hasPrefix("RESET") {
            return BackendBytes.commandComplete(upper.hasPrefix("SET") ? "SET" : "RESET") + BackendBytes.readyForQuery()
        }
        return query(session, text) ?? BackendBytes.rows(["?column?"], ["1"])
    }

    /// What a `trust` server sends after the StartupMessage.
    package static func standardLogin(processID: Int32) -> [UInt8] {
        var bytes = BackendBytes.authenticationOk
        for (name, value) in standardParameters { bytes += BackendBytes.parameterStatus(name, value) }
        return bytes + BackendBytes.backendKeyData(processID: processID, secretKey: 0x5eed) + BackendBytes.readyForQuery()
    }

    /// The ParameterStatus values of the login, as a PostgreSQL 15 server in UTF-8 reports them.
    package static let standardParameters: [(String, String)] = [
        ("application_name", ""), ("client_encoding", "UTF8"), ("DateStyle", "ISO, MDY"),
        ("integer_datetimes", "on"), ("IntervalStyle", "postgres"), ("is_superuser", "off"),
        ("server_encoding", "UTF8"), ("server_version", "15.0"), ("session_authorization", "app"),
        ("standard_conforming_strings", "on"), ("TimeZone", "UTC"),
    ]

    private static func int32(_ bytes: [UInt8], _ offset: Int) -> Int32 {
        Int32(bitPattern: bytes[offset..<(offset + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
    }

    /// Writes every byte; `false` when the peer is gone.
    private static func write(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }
}

/// Exact-length reads from a blocking socket.
private struct BlockingReader {
    let descriptor: Int32
    private var buffer: [UInt8] = []

    init(descriptor: Int32) { self.descriptor = descriptor }

    /// The next `count` bytes, or `nil` at end of file or on an error.
    mutating func read(_ count: Int) -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while buffer.count < count {
            let received = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if received < 0 && errno == EINTR { continue }
            guard received > 0 else { return nil }
            buffer += chunk[0..<received]
        }
        let bytes = Array(buffer[0..<count])
        buffer.removeFirst(count)
        return bytes
    }
}
