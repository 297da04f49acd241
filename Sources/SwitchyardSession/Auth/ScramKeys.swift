// ScramKeys: the key and signature formulas of SCRAM-SHA-256 (RFC 5802 §3, RFC 7677).
import SwitchyardCrypto

/// The SCRAM-SHA-256 formulas, named as in RFC 5802 §3.
///
///     SaltedPassword  := Hi(Normalize(password), salt, i)
///     ClientKey       := HMAC(SaltedPassword, "Client Key")
///     StoredKey       := H(ClientKey)
///     AuthMessage     := client-first-message-bare + "," + server-first-message + "," +
///                        client-final-message-without-proof
///     ClientSignature := HMAC(StoredKey, AuthMessage)
///     ClientProof     := ClientKey XOR ClientSignature
///     ServerKey       := HMAC(SaltedPassword, "Server Key")
///     ServerSignature := HMAC(ServerKey, AuthMessage)
enum ScramKeys {
    /// Length of every SCRAM-SHA-256 key, proof and signature.
    static let length = 32

    static func saltedPassword(_ password: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8] {
        pbkdf2SHA256(password: password, salt: salt, iterations: iterations)
    }

    static func clientKey(_ saltedPassword: [UInt8]) -> [UInt8] {
        hmacSHA256(key: saltedPassword, data: Array("Client Key".utf8))
    }

    static func serverKey(_ saltedPassword: [UInt8]) -> [UInt8] {
        hmacSHA256(key: saltedPassword, data: Array("Server Key".utf8))
    }

    /// ClientSignature (with StoredKey) or ServerSignature (with ServerKey).
    static func signature(key: [UInt8], authMessage: [UInt8]) -> [UInt8] {
        hmacSHA256(key: key, data: authMessage)
    }

    /// AuthMessage from its three parts.
    static func authMessage(clientFirstBare: [UInt8], serverFirst: [UInt8], clientFinalWithoutProof: ArraySlice<UInt8>) -> [UInt8] {
        var message = [UInt8]()
        message.reserveCapacity(clientFirstBare.count + serverFirst.count + clientFinalWithoutProof.count + 2)
        message += clientFirstBare
        message.append(UInt8(ascii: ","))
        message += serverFirst
        message.append(UInt8(ascii: ","))
        message += clientFinalWithoutProof
        return message
    }

    /// Byte-wise XOR of two equally long keys (ClientProof from ClientKey, and back).
    static func xor(_ lhs: [UInt8], _ rhs: [UInt8]) -> [UInt8] {
        precondition(lhs.count == rhs.count, "SCRAM XOR of unequal lengths")
        var result = lhs
        for index in result.indices {
            result[index] ^= rhs[index]
        }
        return result
    }
}
