// MD5PasswordTests: md5 secrets and challenge responses against values computed by PostgreSQL.
import SwitchyardSession
import Testing

@Suite struct MD5PasswordTests {
    @Test func secretMatchesPostgres() {
        #expect(MD5Password.secret(user: PostgresFixture.md5User, password: PostgresFixture.md5Password) == PostgresFixture.md5Secret)
    }

    @Test func responsesMatchPostgres() {
        let salt: [UInt8] = [0x01, 0x02, 0x03, 0x04]
        #expect(MD5Password.clientResponse(user: "m", password: "pw", salt: salt) == PostgresFixture.md5ResponseSalt01020304)
        #expect(MD5Password.clientResponse(md5Secret: PostgresFixture.md5Secret, salt: salt) == PostgresFixture.md5ResponseSalt01020304)
        #expect(MD5Password.serverExpectedResponse(md5Secret: PostgresFixture.md5Secret, salt: salt) == PostgresFixture.md5ResponseSalt01020304)
        #expect(MD5Password.clientResponse(md5Secret: PostgresFixture.md5Secret, salt: [0xDE, 0xAD, 0xBE, 0xEF])
            == PostgresFixture.md5ResponseSaltDEADBEEF)
    }

    static let salt: [UInt8] = [0x01, 0x02, 0x03, 0x04]

    @Test(arguments: [
        (PostgresFixture.md5ResponseSalt01020304, true),
        (PostgresFixture.md5ResponseSaltDEADBEEF, false), // another salt's answer: a replay
        ("md5EE117002B937220287FB2760A970C0B6", false), // PostgreSQL compares exactly
        (PostgresFixture.md5Secret, false), // the secret itself is not a response
        ("pw", false), // the cleartext password is not a response either
        ("", false),
        ("md5", false),
    ])
    func verifyAcceptsOnlyTheExactResponse(response: String, accepted: Bool) {
        let result = MD5Password.verify(response: response, md5Secret: PostgresFixture.md5Secret, salt: Self.salt)
        #expect(completed(result) == (accepted ? .success(true) : .failure(.badPassword)), "\(response)")
    }
}
