// PasswordSecret: a [[users]] password as plaintext, an MD5 hash or a SCRAM-SHA-256 secret.

/// A user's password in one of the forms PostgreSQL stores in `pg_authid.rolpassword`.
///
/// A value that starts like a hashed secret (`md5`, `SCRAM-SHA-256$`) must be one: a mistyped
/// hash would otherwise silently become a plaintext password that no client ever matches.
package enum PasswordSecret: Equatable, Sendable {
    /// The password itself.
    case plaintext(String)
    /// `"md5" + md5(password || username)` as 32 lower-case hex digits; holds the 32 digits.
    case md5(String)
    /// `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (RFC 5802, RFC 7677), with
    /// the base64 fields decoded. StoredKey and ServerKey are SHA-256 outputs, 32 bytes each.
    case scramSHA256(iterations: Int, salt: [UInt8], storedKey: [UInt8], serverKey: [UInt8])

    /// Why a secret is malformed, as the end of `invalid password for user "app": ...`.
    package enum ParseError: Error, Equatable, Sendable {
        case empty
        case malformedMD5
        case malformedSCRAM(String)

        package var reason: String {
            switch self {
            case .empty:
                return "password must not be empty"
            case .malformedMD5:
                return "an md5 secret must be \"md5\" followed by 32 lower-case hexadecimal digits"
            case .malformedSCRAM(let detail):
                return "malformed SCRAM-SHA-256 secret: \(detail)"
            }
        }
    }

    static let md5Prefix = "md5"
    static let scramPrefix = "SCRAM-SHA-256$"
    /// SHA-256 output length; PostgreSQL's SCRAM_SHA_256_KEY_LEN.
    static let scramKeyLength = 32

    /// Recognizes the form of `text`.
    package static func parse(_ text: String) throws(ParseError) -> PasswordSecret {
        if text.isEmpty { throw .empty }
        if text.hasPrefix(Self.md5Prefix) {
            let digits = text.utf8.dropFirst(Self.md5Prefix.utf8.count)
            let isLowerHex = digits.allSatisfy { byte in
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            }
            guard digits.count == 32, isLowerHex else { throw .malformedMD5 }
            return .md5(String(decoding: digits, as: UTF8.self))
        }
        if text.hasPrefix(Self.scramPrefix) {
            return try Self.parseSCRAM(text.dropFirst(Self.scramPrefix.count))
        }
        return .plaintext(text)
    }

    /// `<iterations>:<salt>$<StoredKey>:<ServerKey>`, the part after `SCRAM-SHA-256$`.
    private static func parseSCRAM(_ body: Substring) throws(ParseError) -> PasswordSecret {
        let halves = body.split(separator: "$", omittingEmptySubsequences: false)
        guard halves.count == 2 else {
            throw .malformedSCRAM("expected \"SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>\"")
        }
        let parameters = halves[0].split(separator: ":", omittingEmptySubsequences: false)
        let keys = halves[1].split(separator: ":", omittingEmptySubsequences: false)
        guard parameters.count == 2, keys.count == 2 else {
            throw .malformedSCRAM("expected \"SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>\"")
        }
        guard parameters[0].utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let iterations = Int(parameters[0]), iterations >= 1, iterations <= Int(Int32.max)
        else {
            throw .malformedSCRAM("iteration count must be a positive integer")
        }
        guard let salt = StrictBase64.decode(parameters[1]), !salt.isEmpty else {
            throw .malformedSCRAM("salt is not valid base64")
        }
        guard let storedKey = StrictBase64.decode(keys[0]), storedKey.count == Self.scramKeyLength else {
            throw .malformedSCRAM("StoredKey must be 32 bytes of base64")
        }
        guard let serverKey = StrictBase64.decode(keys[1]), serverKey.count == Self.scramKeyLength else {
            throw .malformedSCRAM("ServerKey must be 32 bytes of base64")
        }
        return .scramSHA256(iterations: iterations, salt: salt, storedKey: storedKey, serverKey: serverKey)
    }
}
