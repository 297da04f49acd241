// ScramClientExchangeMalformedTests: a hostile or broken server cannot trap the proxy or make it spin.
import SwitchyardCrypto
import SwitchyardSession
import Testing

@Suite struct ScramClientExchangeMalformedTests {
    typealias M = AuthFailure.Malformation

    static let ours = RFC7677.clientNonce
    static let nonce = RFC7677.combinedNonce
    static let salt = RFC7677.salt

    // server-first-message variants, answered by a client whose nonce is the RFC's.
    static let serverFirstCases: [(String, [UInt8], AuthFailure)] = [
        ("empty", [], .malformed(.truncated)),
        ("missing s= and i=", bytes("r=\(nonce)"), .malformed(.missingAttribute("s"))),
        ("missing i=", bytes("r=\(nonce),s=\(salt)"), .malformed(.missingAttribute("i"))),
        ("missing r=", bytes("s=\(salt),i=4096"), .malformed(.missingAttribute("r"))),
        ("attributes out of order", bytes("r=\(nonce),i=4096,s=\(salt)"), .malformed(.missingAttribute("s"))),
        ("m= mandatory extension", bytes("m=x,r=\(nonce),s=\(salt),i=4096"), .malformed(.mandatoryExtensionNotSupported)),
        ("nonce not starting with ours", bytes("r=XXXX\(nonce),s=\(salt),i=4096"), .malformed(.nonceMismatch)),
        ("our nonce without a server part", bytes("r=\(ours),s=\(salt),i=4096"), .malformed(.nonceMismatch)),
        ("prefix of our nonce", bytes("r=rOprNG,s=\(salt),i=4096"), .malformed(.nonceMismatch)),
        ("empty nonce", bytes("r=,s=\(salt),i=4096"), .malformed(.invalidNonce)),
        ("nonce with a control character", bytes("r=\(ours)\u{1}x,s=\(salt),i=4096"), .malformed(.invalidNonce)),
        ("nonce with non-ASCII", bytes("r=\(ours)\u{E9},s=\(salt),i=4096"), .malformed(.invalidNonce)),
        ("nonce with a comma", bytes("r=\(ours)ab,cd,s=\(salt),i=4096"), .malformed(.invalidAttribute)),
        ("server part of 257 characters", bytes("r=\(ours)\(String(repeating: "x", count: 257)),s=\(salt),i=4096"),
         .malformed(.nonceTooLong)),
        ("nonce of 10 KB", bytes("r=\(ours)\(String(repeating: "x", count: 10 * 1024)),s=\(salt),i=4096"),
         .malformed(.tooLong)),
        ("salt not base64", bytes("r=\(nonce),s=W22Z*J0SNY7soEsUEjb6gQ==,i=4096"), .malformed(.invalidBase64("s"))),
        ("salt without padding", bytes("r=\(nonce),s=W22ZaJ0SNY7soEsUEjb6gQ,i=4096"), .malformed(.invalidBase64("s"))),
        ("empty salt", bytes("r=\(nonce),s=,i=4096"), .malformed(.invalidSalt)),
        ("iteration count 0", bytes("r=\(nonce),s=\(salt),i=0"), .malformed(.invalidIterationCount)),
        ("iteration count -1", bytes("r=\(nonce),s=\(salt),i=-1"), .malformed(.invalidIterationCount)),
        ("iteration count +4096", bytes("r=\(nonce),s=\(salt),i=+4096"), .malformed(.invalidIterationCount)),
        ("iteration count 04096", bytes("r=\(nonce),s=\(salt),i=04096"), .malformed(.invalidIterationCount)),
        ("iteration count 99999999999", bytes("r=\(nonce),s=\(salt),i=99999999999"), .malformed(.invalidIterationCount)),
        ("iteration count 1000001", bytes("r=\(nonce),s=\(salt),i=1000001"), .malformed(.invalidIterationCount)),
        ("iteration count of 40 digits", bytes("r=\(nonce),s=\(salt),i=" + String(repeating: "9", count: 40)),
         .malformed(.invalidIterationCount)),
        ("iteration count abc", bytes("r=\(nonce),s=\(salt),i=abc"), .malformed(.invalidIterationCount)),
        ("iteration count 4096abc", bytes("r=\(nonce),s=\(salt),i=4096abc"), .malformed(.invalidIterationCount)),
        ("empty iteration count", bytes("r=\(nonce),s=\(salt),i="), .malformed(.invalidIterationCount)),
        ("iteration count with a space", bytes("r=\(nonce),s=\(salt),i= 4096"), .malformed(.invalidIterationCount)),
        ("extension after i=", bytes("r=\(nonce),s=\(salt),i=4096,x=1"), .malformed(.trailingData)),
        ("trailing comma", bytes("r=\(nonce),s=\(salt),i=4096,"), .malformed(.trailingData)),
        ("invalid UTF-8", bytes("r=\(nonce),s=\(salt),i=4096") + [0xFF], .malformed(.invalidEncoding)),
    ]

    @Test(arguments: serverFirstCases)
    func malformedServerFirstIsRejected(name: String, message: [UInt8], expected: AuthFailure) {
        var client = RFC7677.clientExchange()
        #expect(client.receiveServerFirst(message) == .failure(expected), "\(name)")
        #expect(client.state == .failed)
        #expect(completed(client.receiveServerFinal(bytes(RFC7677.serverFinal))) == .failure(.malformed(.unexpectedMessage)))
    }

    @Test(arguments: [1, 1_000_000])
    func iterationCountBoundsAreAccepted(iterations: Int) {
        var client = RFC7677.clientExchange()
        let result = text(client.receiveServerFirst(bytes("r=\(Self.nonce),s=\(Self.salt),i=\(iterations)")))
        #expect((try? result.get())?.hasPrefix("c=biws,r=\(Self.nonce),p=") == true)
    }

    static let serverFinalCases: [(String, [UInt8], AuthFailure)] = [
        ("empty", [], .malformed(.truncated)),
        ("signature of another key", bytes("v=" + Base64.encode([UInt8](repeating: 9, count: 32))),
         .malformed(.serverSignatureMismatch)),
        ("signature not base64", bytes("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4"), .malformed(.invalidBase64("v"))),
        ("signature of 3 bytes", bytes("v=AAAA"), .malformed(.invalidProofLength)),
        ("empty signature", bytes("v="), .malformed(.invalidProofLength)),
        ("server says invalid-proof", bytes("e=invalid-proof"), .badPassword),
        ("server reports another error", bytes("e=other-error"), .malformed(.serverError("other-error"))),
        ("neither v= nor e=", bytes("x=1"), .malformed(.missingAttribute("v"))),
        ("not an attribute", bytes("6rriTRBi"), .malformed(.invalidAttribute)),
        ("attribute after v=", bytes(RFC7677.serverFinal + ",x=1"), .malformed(.trailingData)),
        ("invalid UTF-8", [0x76, 0x3D, 0xC3], .malformed(.invalidEncoding)),
    ]

    @Test(arguments: serverFinalCases)
    func malformedServerFinalIsRejected(name: String, message: [UInt8], expected: AuthFailure) {
        var client = RFC7677.clientExchange()
        #expect(text(client.receiveServerFirst(bytes(RFC7677.serverFirst))) == .success(RFC7677.clientFinal))
        #expect(completed(client.receiveServerFinal(message)) == .failure(expected), "\(name)")
        #expect(!client.isSucceeded)
    }

    @Test func messagesOutOfOrderAreRejected() {
        var early = RFC7677.clientExchange()
        #expect(completed(early.receiveServerFinal(bytes(RFC7677.serverFinal))) == .failure(.malformed(.unexpectedMessage)))
        #expect(!early.isSucceeded)

        var twice = RFC7677.clientExchange()
        _ = twice.receiveServerFirst(bytes(RFC7677.serverFirst))
        #expect(twice.receiveServerFirst(bytes(RFC7677.serverFirst)) == .failure(.malformed(.unexpectedMessage)))

        var done = RFC7677.clientExchange()
        _ = done.receiveServerFirst(bytes(RFC7677.serverFirst))
        _ = done.receiveServerFinal(bytes(RFC7677.serverFinal))
        #expect(done.isSucceeded)
        #expect(completed(done.receiveServerFinal(bytes(RFC7677.serverFinal))) == .failure(.malformed(.unexpectedMessage)))
        #expect(!done.isSucceeded)
    }

    @Test func arbitraryBytesNeverTrap() {
        var generator = SplitMix64(seed: 0xC0FFEE)
        let alphabet = bytes("rsiev=,,,0123456789-+abcAB/") + [0, 0x7F, 0xC3, 0xFF]
        // A key credential whose salt never matches: parsing runs in full, PBKDF2 never does.
        let unmatchable = ScramSecret(iterations: 1, salt: [0], storedKey: [UInt8](repeating: 0, count: 32),
                                      serverKey: [UInt8](repeating: 0, count: 32))
        let keyClient = ScramClientExchange(credential: .clientKey([UInt8](repeating: 0, count: 32), secret: unmatchable),
                                            nonce: ScramNonce(Self.ours)!)
        var primed = RFC7677.clientExchange()
        _ = primed.receiveServerFirst(bytes(RFC7677.serverFirst))
        for _ in 0..<3000 {
            let length = Int(generator.next() % 64)
            let message = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            var first = keyClient
            // Prefixed with a valid nonce and salt so the sweep reaches the iteration count.
            _ = first.receiveServerFirst(bytes("r=\(Self.nonce)x,s=\(Self.salt),i=") + message.prefix(8))
            var bare = keyClient
            _ = bare.receiveServerFirst(message)
            var final = primed
            _ = final.receiveServerFinal(message)
        }
    }
}
