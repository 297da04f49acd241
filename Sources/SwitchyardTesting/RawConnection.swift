// RawConnection: a TCP connection that speaks bytes, for protocol cases no real client produces.
import Glibc

/// A blocking TCP socket with deadlines on every read, or a borrowed descriptor (a libpq
/// connection's socket, to send what libpq cannot).
///
/// Reads split what arrives into `BackendFrame`s; `readUntilClosed` tells an answer followed by a
/// close from a connection that stays silent.
package final class RawConnection {
    package let descriptor: Int32
    private let ownsDescriptor: Bool
    /// Bytes received and not yet returned as frames.
    private var pending: [UInt8] = []
    private var isClosed = false

    /// Connects to 127.0.0.1:`port`.
    package init(port: Int) throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw LocalError.systemCall(name: "socket", errno: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let error = errno
            Glibc.close(descriptor)
            throw LocalError.systemCall(name: "connect to port \(port)", errno: error)
        }
        self.descriptor = descriptor
        self.ownsDescriptor = true
    }

    /// Uses `descriptor` without taking it over: `close()` leaves it open.
    package init(borrowing descriptor: Int32) {
        self.descriptor = descriptor
        self.ownsDescriptor = false
    }

    deinit { close() }

    /// Closes an owned socket.
    package func close() {
        guard !isClosed else { return }
        isClosed = true
        if ownsDescriptor { Glibc.close(descriptor) }
    }

    /// Writes every byte; `false` when the peer is gone (EPIPE, ECONNRESET).
    @discardableResult
    package func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes {
                Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }

    /// Ends the sending direction (the peer reads end of file).
    package func shutdownWrite() {
        _ = shutdown(descriptor, Int32(SHUT_WR))
    }

    /// What one read with a deadline saw.
    package enum ReadOutcome: Equatable {
        case bytes([UInt8])
        /// The peer closed the connection (end of file or reset).
        case closed
        case timedOut
    }

    /// Waits up to `timeout` seconds for bytes.
    package func readSome(timeout: Double) -> ReadOutcome {
        let deadline = Monotonic.now + timeout
        while true {
            let remaining = deadline - Monotonic.now
            guard remaining > 0 else { return .timedOut }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(remaining * 1000) + 1)
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { continue }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            if count <= 0 { return .closed }
            return .bytes(Array(buffer[0..<count]))
        }
    }

    /// Reads frames until one of type `type` has arrived (returned last), the peer closes, or
    /// `timeout` seconds pass. `closed` and `timedOut` say how reading ended when no such frame came.
    package func readFrames(until type: UInt8, timeout: Double) -> (
        frames: [BackendFrame], closed: Bool, timedOut: Bool
    ) {
        let deadline = Monotonic.now + timeout
        var frames: [BackendFrame] = []
        while true {
            let parsed = BackendFrame.split(&pending)
            for (index, frame) in parsed.enumerated() where frame.type == type {
                frames += parsed[...index]
                pending = parsed[(index + 1)...].flatMap(\.bytes) + pending
                return (frames, false, false)
            }
            frames += parsed
            switch readSome(timeout: max(deadline - Monotonic.now, 0)) {
            case .bytes(let bytes): pending += bytes
            case .closed: return (frames, true, false)
            case .timedOut: return (frames, false, true)
            }
        }
    }

    /// Reads until the peer closes or `timeout` seconds pass; returns the complete frames received,
    /// the bytes after the last complete frame, and whether the peer closed.
    package func readUntilClosed(timeout: Double) -> (frames: [BackendFrame], rest: [UInt8], closed: Bool) {
        let deadline = Monotonic.now + timeout
        var frames: [BackendFrame] = []
        while true {
            frames += BackendFrame.split(&pending)
            switch readSome(timeout: max(deadline - Monotonic.now, 0)) {
            case .bytes(let bytes): pending += bytes
            case .closed:
                frames += BackendFrame.split(&pending)
                return (frames, pending, true)
            case .timedOut: return (frames, pending, false)
            }
        }
    }
}

/// One backend message as received: type byte and body.
package struct BackendFrame: Sendable, Equatable {
    package var type: UInt8
    package var body: [UInt8]

    /// The type as a character, for messages ("E", "Z", ...).
    package var kind: Character { Character(Unicode.Scalar(type)) }

    /// The frame's bytes on the wire.
    package var bytes: [UInt8] {
        let length = UInt32(body.count + 4)
        return [type] + withUnsafeBytes(of: length.bigEndian, Array.init) + body
    }

    /// Takes every complete frame off the front of `bytes`. A lone `N` or `S` answer to
    /// SSLRequest/GSSENCRequest is not a frame; read those with `readSome`.
    package static func split(_ bytes: inout [UInt8]) -> [BackendFrame] {
        var frames: [BackendFrame] = []
        var offset = 0
        while bytes.count - offset >= 5 {
            let length = Int(
                UInt32(bytes[offset + 1]) << 24 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 8
                    | UInt32(bytes[offset + 4]))
            guard length >= 4, bytes.count - offset >= 1 + length else { break }
            frames.append(BackendFrame(type: bytes[offset], body: Array(bytes[(offset + 5)..<(offset + 1 + length)])))
            offset += 1 + length
        }
        bytes.removeFirst(offset)
        return frames
    }

    /// The fields of an ErrorResponse or NoticeResponse by code (`C` SQLSTATE, `S`/`V` severity,
    /// `M` message); empty for other messages.
    package var errorFields: [Character: String] {
        guard type == UInt8(ascii: "E") || type == UInt8(ascii: "N") else { return [:] }
        var fields: [Character: String] = [:]
        var index = 0
        while index < body.count, body[index] != 0 {
            let code = Character(Unicode.Scalar(body[index]))
            guard let end = body[(index + 1)...].firstIndex(of: 0) else { break }
            fields[code] = String(decoding: body[(index + 1)..<end], as: UTF8.self)
            index = end + 1
        }
        return fields
    }

    /// The SQLSTATE of an ErrorResponse, if this is one.
    package var sqlState: String? { type == UInt8(ascii: "E") ? errorFields["C"] : nil }

    /// The values of a DataRow in text format (`nil` for NULL); empty for other messages.
    package var dataRowValues: [String?] {
        guard type == UInt8(ascii: "D"), body.count >= 2 else { return [] }
        let count = Int(body[0]) << 8 | Int(body[1])
        var values: [String?] = []
        var index = 2
        for _ in 0..<count {
            guard index + 4 <= body.count else { break }
            let length = body[index..<(index + 4)].reduce(Int32(0)) { $0 << 8 | Int32($1) }
            index += 4
            if length < 0 {
                values.append(nil)
                continue
            }
            let end = min(index + Int(length), body.count)
            values.append(String(decoding: body[index..<end], as: UTF8.self))
            index = end
        }
        return values
    }

    /// The transaction status byte of a ReadyForQuery (`I`, `T`, `E`).
    package var transactionStatus: Character? {
        type == UInt8(ascii: "Z") && body.count == 1 ? Character(Unicode.Scalar(body[0])) : nil
    }
}
