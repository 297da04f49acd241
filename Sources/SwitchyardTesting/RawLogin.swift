// RawLogin: md5 secrets and a byte-level md5 login, computed by libpq rather than by the proxy's code.
import CLibPQ
import Glibc

/// PostgreSQL's md5 password hashing, through libpq's `PQencryptPassword`, which computes
/// `"md5" + md5hex(first + second)` for two C strings.
package enum MD5Hash {
    /// The md5 secret PostgreSQL stores for `user`: `"md5" + md5hex(password + user)`.
    package static func secret(password: String, user: String) -> String {
        hash(Array(password.utf8), Array(user.utf8))!
    }

    /// The md5 PasswordMessage text for `salt`: `"md5" + md5hex(md5hex(password + user) + salt)`;
    /// `nil` when the salt has a zero byte (libpq takes C strings).
    package static func response(password: String, user: String, salt: [UInt8]) -> String? {
        let inner = secret(password: password, user: user).dropFirst(3)
        return hash(Array(inner.utf8), salt)
    }

    private static func hash(_ first: [UInt8], _ second: [UInt8]) -> String? {
        guard !first.contains(0), !second.contains(0) else { return nil }
        let a = first.map { CChar(bitPattern: $0) } + [0]
        let b = second.map { CChar(bitPattern: $0) } + [0]
        guard let result = PQencryptPassword(a, b) else { return nil }
        defer { PQfreemem(result) }
        return String(cString: result)
    }
}

/// Why a raw login did not end in ReadyForQuery.
package struct RawLoginError: Error, CustomStringConvertible {
    /// The frames received before it stopped (the ErrorResponse, if one came, is last).
    package var frames: [BackendFrame]
    package var reason: String

    package init(frames: [BackendFrame], reason: String) {
        self.frames = frames
        self.reason = reason
    }

    package var error: BackendFrame? { frames.last { $0.kind == "E" } }
    package var description: String { "\(reason); frames: \(frames.map(\.kind)), error: \(error?.errorFields ?? [:])" }
}

extension RawConnection {
    /// Sends a StartupMessage with `parameters` and answers an md5 challenge for `user` with
    /// `password`; returns every frame up to and including ReadyForQuery.
    ///
    /// - Throws: `RawLoginError` when the server asks for another method, sends an error, closes or
    ///   stays silent for `timeout` seconds. A salt with a zero byte cannot be answered (see
    ///   `MD5Hash`): the caller retries on a new connection.
    package func loginMD5(
        user: String, password: String, parameters: [(String, String)], timeout: Double = 5
    ) throws -> [BackendFrame] {
        send(FrontendBytes.startup([("user", user)] + parameters))
        let challenge = readFrames(until: UInt8(ascii: "R"), timeout: timeout)
        guard let request = challenge.frames.last, request.kind == "R", request.body.count == 8,
            request.body[0..<4] == [0, 0, 0, 5]
        else {
            throw RawLoginError(frames: challenge.frames, reason: "no AuthenticationMD5Password")
        }
        let salt = Array(request.body[4..<8])
        guard let response = MD5Hash.response(password: password, user: user, salt: salt) else {
            throw RawLoginError(frames: challenge.frames, reason: "salt with a zero byte")
        }
        send(FrontendBytes.password(response))
        let reply = readFrames(until: UInt8(ascii: "Z"), timeout: timeout)
        let frames = challenge.frames + reply.frames
        guard reply.frames.last?.kind == "Z" else {
            throw RawLoginError(frames: frames, reason: reply.closed ? "closed" : "no ReadyForQuery")
        }
        return frames
    }

    /// The first authentication request code the server sends after a StartupMessage (0 ok, 3
    /// cleartext, 5 md5, 10 SASL), or `nil` when something else came.
    package func firstAuthenticationRequest(parameters: [(String, String)], timeout: Double = 5) -> Int32? {
        send(FrontendBytes.startup(parameters))
        let reply = readFrames(until: UInt8(ascii: "R"), timeout: timeout)
        guard let request = reply.frames.last, request.kind == "R", request.body.count >= 4 else { return nil }
        return request.body[0..<4].reduce(Int32(0)) { $0 << 8 | Int32($1) }
    }
}
