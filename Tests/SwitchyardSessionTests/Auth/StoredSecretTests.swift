// StoredSecretTests: telling the three stored password forms apart, and strict SCRAM secret parsing.
import SwitchyardCrypto
import SwitchyardSession
import Testing

@Suite struct StoredSecretTests {
    @Test func recognisesPostgresSecrets() {
        #expect(StoredSecret(parsing: PostgresFixture.scramSecret) == .scramSHA256(PostgresFixture.parsedScramSecret()))
        #expect(StoredSecret(parsing: PostgresFixture.md5Secret) == .md5(PostgresFixture.md5Secret))
    }

    // PostgreSQL's rule: "md5" + exactly 32 lower-case hex digits, else plaintext.
    @Test(arguments: [
        "secret", "", "md5", "md5abc",
        "md57764E463C73A54E4BB79B9B9E419E145", // upper-case hex
        "md57764e463c73a54e4bb79b9b9e419e1456", // 33 digits
        "md57764e463c73a54e4bb79b9b9e419e14g", // not hex
        "MD57764e463c73a54e4bb79b9b9e419e145",
        "SCRAM-SHA-1$4096:abc$def:ghi", // another mechanism's prefix
    ])
    func otherTextIsAPlaintextPassword(text: String) {
        #expect(StoredSecret(parsing: text) == .plaintext(text))
    }

    static let salt = "5euz4sLR6aibMN2KY8hsTw=="
    static let key = "v+KadGrcZOvs8xk9jhnsJKlzOgfjCc7guW5MtIrfrNg="

    @Test(arguments: [
        "SCRAM-SHA-256$",
        "SCRAM-SHA-256$4096:\(salt)",
        "SCRAM-SHA-256$4096:\(salt)$\(key)",
        "SCRAM-SHA-256$4096:\(salt)$\(key):\(key)$extra",
        "SCRAM-SHA-256$4096:\(salt)$\(key):\(key):\(key)",
        "SCRAM-SHA-256$0:\(salt)$\(key):\(key)",
        "SCRAM-SHA-256$-1:\(salt)$\(key):\(key)",
        "SCRAM-SHA-256$abc:\(salt)$\(key):\(key)",
        "SCRAM-SHA-256$99999999999:\(salt)$\(key):\(key)",
        "SCRAM-SHA-256$:\(salt)$\(key):\(key)",
        "SCRAM-SHA-256$4096:$\(key):\(key)", // empty salt
        "SCRAM-SHA-256$4096:not*base64$\(key):\(key)",
        "SCRAM-SHA-256$4096:\(salt)$AAAA:\(key)", // StoredKey of 3 bytes
        "SCRAM-SHA-256$4096:\(salt)$\(key):\(key.dropLast())", // bad padding
    ])
    func malformedScramSecretIsRejected(text: String) {
        #expect(ScramSecret(parsing: text) == nil)
        #expect(StoredSecret(parsing: text) == nil)
    }

    @Test func largeButValidIterationCountIsKept() {
        let text = "SCRAM-SHA-256$2147483647:\(Self.salt)$\(Self.key):\(Self.key)"
        #expect(ScramSecret(parsing: text)?.iterations == 2_147_483_647)
        #expect(ScramSecret(parsing: text)?.text == text)
    }

    @Test func clientAuthMethodFollowsTheStoredForm() {
        let salt = randomBytes(count: 16)
        let scram = PostgresFixture.parsedScramSecret()
        #expect(StoredSecret.md5(PostgresFixture.md5Secret).clientAuthMethod(derivationSalt: salt)
            == .md5(md5Secret: PostgresFixture.md5Secret))
        #expect(StoredSecret.scramSHA256(scram).clientAuthMethod(derivationSalt: salt) == .scramSHA256(scram))
        // Plaintext: derived with the given salt and PostgreSQL's default of 4096 iterations,
        // checked against the real PostgreSQL secret for the same password and salt.
        #expect(StoredSecret.plaintext("pw").clientAuthMethod(derivationSalt: scram.salt) == .scramSHA256(scram))
    }

    @Test func descriptionsNeverShowSecretMaterial() {
        let secrets: [StoredSecret] = [
            .plaintext("hunter2"), .md5(PostgresFixture.md5Secret), .scramSHA256(PostgresFixture.parsedScramSecret()),
        ]
        for secret in secrets {
            for rendered in [String(describing: secret), String(reflecting: secret)] {
                #expect(!rendered.contains("hunter2"))
                #expect(!rendered.contains("7764e463"))
                #expect(!rendered.contains("v+KadGrc") && !rendered.contains("5euz4sLR"))
            }
        }
        let credential = ScramClientExchange.Credential.password("hunter2")
        #expect(!String(describing: credential).contains("hunter2"))
    }
}
