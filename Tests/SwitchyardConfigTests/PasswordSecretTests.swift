// PasswordSecretTests: [[users]] password forms and the strict base64 decoder behind SCRAM.
@testable import SwitchyardConfig
import Testing

@Suite struct PasswordSecretTests {
    /// A SCRAM-SHA-256 secret for password "pencil" with the salt and iteration count of RFC 7677
    /// section 3. StoredKey and ServerKey were computed with Python's hashlib/hmac
    /// (PBKDF2-HMAC-SHA-256, then HMAC(SaltedPassword, "Client Key") hashed, and
    /// HMAC(SaltedPassword, "Server Key")); the ServerKey reproduces the RFC's ServerSignature
    /// "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=".
    static let rfc7677Text =
        "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU="
    static let rfc7677Secret = PasswordSecret.scramSHA256(
        iterations: 4096,
        salt: [91, 109, 153, 104, 157, 18, 53, 142, 236, 160, 75, 20, 18, 54, 250, 129],
        storedKey: [88, 110, 93, 242, 131, 230, 220, 235, 92, 62, 121, 29, 139, 133, 40, 236,
                    25, 30, 102, 64, 69, 206, 151, 23, 146, 226, 230, 181, 187, 19, 226, 166],
        serverKey: [193, 243, 203, 193, 193, 58, 157, 53, 161, 76, 9, 144, 238, 217, 118, 41,
                    234, 34, 88, 99, 229, 102, 164, 49, 74, 185, 159, 63, 0, 229, 217, 213]
    )

    @Test func scramSecretDecodesToItsParts() throws {
        #expect(try PasswordSecret.parse(Self.rfc7677Text) == Self.rfc7677Secret)
    }

    @Test(arguments: [
        ("secret", PasswordSecret.plaintext("secret")),
        ("pa$$word", .plaintext("pa$$word")),
        ("scram-sha-256$lower case is not a secret", .plaintext("scram-sha-256$lower case is not a secret")),
        // md5("secret" || "app") from Python's hashlib.
        ("md56a422f785c9e20873908ce25d1736ae2", .md5("6a422f785c9e20873908ce25d1736ae2")),
    ])
    func recognizesForm(_ text: String, _ expected: PasswordSecret) throws {
        #expect(try PasswordSecret.parse(text) == expected)
    }

    static let keyOf32Bytes = "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY="

    @Test(arguments: [
        ("", PasswordSecret.ParseError.empty),
        ("md5abc", .malformedMD5),
        ("md56A422F785C9E20873908CE25D1736AE2", .malformedMD5),
        ("md56a422f785c9e20873908ce25d1736ae", .malformedMD5),
        ("md56a422f785c9e20873908ce25d1736ae2f", .malformedMD5),
        ("md56a422f785c9e20873908ce25d1736ag2", .malformedMD5),
        ("SCRAM-SHA-256$4096:c2FsdA==", .malformedSCRAM(
            "expected \"SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>\"")),
        ("SCRAM-SHA-256$4096$\(keyOf32Bytes):\(keyOf32Bytes)", .malformedSCRAM(
            "expected \"SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>\"")),
        ("SCRAM-SHA-256$0:c2FsdA==$\(keyOf32Bytes):\(keyOf32Bytes)", .malformedSCRAM(
            "iteration count must be a positive integer")),
        ("SCRAM-SHA-256$+5:c2FsdA==$\(keyOf32Bytes):\(keyOf32Bytes)", .malformedSCRAM(
            "iteration count must be a positive integer")),
        ("SCRAM-SHA-256$4096:c2FsdA=$\(keyOf32Bytes):\(keyOf32Bytes)", .malformedSCRAM(
            "salt is not valid base64")),
        ("SCRAM-SHA-256$4096:c2FsdA==$AAAA:\(keyOf32Bytes)", .malformedSCRAM(
            "StoredKey must be 32 bytes of base64")),
        ("SCRAM-SHA-256$4096:c2FsdA==$\(keyOf32Bytes):\(keyOf32Bytes)x", .malformedSCRAM(
            "ServerKey must be 32 bytes of base64")),
    ])
    func rejectsMalformedSecret(_ text: String, _ expected: PasswordSecret.ParseError) {
        #expect(throws: expected) { try PasswordSecret.parse(text) }
    }

    /// RFC 4648 section 10 test vectors.
    @Test(arguments: [
        ("", ""), ("Zg==", "f"), ("Zm8=", "fo"), ("Zm9v", "foo"), ("Zm9vYg==", "foob"),
        ("Zm9vYmE=", "fooba"), ("Zm9vYmFy", "foobar"),
    ])
    func base64DecodesRFC4648Vectors(_ encoded: String, _ decoded: String) {
        #expect(StrictBase64.decode(encoded[...]) == Array(decoded.utf8))
    }

    @Test func base64DecodesFullAlphabet() {
        // "+/" are the last two sextets, 62 and 63: 111110 111111 ... -> 0xFB 0xFF 0xBF.
        #expect(StrictBase64.decode("+/+/"[...]) == [0xFB, 0xFF, 0xBF])
    }

    @Test(arguments: [
        "Zg=",        // not a multiple of four
        "Zh==",       // non-zero bits after the last byte (RFC 4648 section 3.5)
        "Zm9=",       // likewise, one padding character
        "Zg==Zg==",   // padding before the end
        "Z===",       // three padding characters
        "Zm9v\n",     // whitespace
        "Zm-v",       // URL-safe alphabet
        "Zm9v====",
    ])
    func base64RejectsNonCanonicalText(_ text: String) {
        #expect(StrictBase64.decode(text[...]) == nil)
    }
}
