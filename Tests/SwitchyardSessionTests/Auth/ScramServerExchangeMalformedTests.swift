// ScramServerExchangeMalformedTests: every bad client message ends the exchange with the right failure, never a trap.
import SwitchyardCrypto
import SwitchyardSession
import Testing

@Suite struct ScramServerExchangeMalformedTests {
    typealias M = AuthFailure.Malformation

    static let longNonce = String(repeating: "x", count: 257)
    static let tenKilobyteNonce = String(repeating: "x", count: 10 * 1024)

    // client-first-message variants and what each must produce.
    static let clientFirstCases: [(String, [UInt8], M)] = [
        ("empty", [], .truncated),
        ("flag only", bytes("n"), .truncated),
        ("one comma", bytes("n,"), .truncated),
        ("header only", bytes("n,,"), .truncated),
        ("dangling comma after user", bytes("n,,n=,"), .truncated),
        ("unknown flag", bytes("x,,n=,r=abc"), .invalidGS2Header),
        ("upper-case flag", bytes("N,,n=,r=abc"), .invalidGS2Header),
        ("flag not followed by comma", bytes("nn,n=,r=abc"), .invalidGS2Header),
        ("header missing its second comma", bytes("n,n=,r=abc"), .invalidGS2Header),
        ("authorization identity", bytes("n,a=admin,n=,r=abc"), .authorizationIdentityNotSupported),
        ("p= binding without TLS", bytes("p=tls-server-end-point,,n=,r=abc"), .channelBindingNotSupported),
        ("p= with empty binding name", bytes("p=,,n=,r=abc"), .invalidGS2Header),
        ("p= with a space in the name", bytes("p=tls server,,n=,r=abc"), .invalidGS2Header),
        ("p= without the header's commas", bytes("p=tls-server-end-point"), .truncated),
        ("m= mandatory extension", bytes("n,,m=ext,n=,r=abc"), .mandatoryExtensionNotSupported),
        ("missing n=", bytes("n,,r=abc"), .missingAttribute("n")),
        ("missing r=", bytes("n,,n="), .missingAttribute("r")),
        ("other attribute instead of r=", bytes("n,,n=,x=abc"), .missingAttribute("r")),
        ("attributes swapped", bytes("n,,r=abc,n="), .missingAttribute("n")),
        ("not an attribute", bytes("n,,n=,rabc"), .invalidAttribute),
        ("bad user name escape", bytes("n,,n=a=b,r=abc"), .invalidUsername),
        ("truncated user name escape", bytes("n,,n=a=2,r=abc"), .invalidUsername),
        ("empty nonce", bytes("n,,n=,r="), .invalidNonce),
        ("nonce with a control character", bytes("n,,n=,r=ab\u{1}c"), .invalidNonce),
        ("nonce with a space", bytes("n,,n=,r=ab c"), .invalidNonce),
        ("nonce with DEL", bytes("n,,n=,r=ab\u{7F}c"), .invalidNonce),
        ("nonce with non-ASCII", bytes("n,,n=,r=ab\u{E9}c"), .invalidNonce),
        ("nonce with a comma", bytes("n,,n=,r=ab,c"), .invalidAttribute),
        ("nonce of 257 characters", bytes("n,,n=,r=" + longNonce), .nonceTooLong),
        ("nonce of 10 KB", bytes("n,,n=,r=" + tenKilobyteNonce), .tooLong),
        ("trailing comma", bytes("n,,n=,r=abc,"), .trailingData),
        ("garbage extension", bytes("n,,n=,r=abc,foo"), .invalidAttribute),
        ("empty attribute after comma", bytes("n,,n=,r=abc,,x=1"), .invalidAttribute),
        ("invalid UTF-8", [0x6E, 0x2C, 0x2C, 0x6E, 0x3D, 0xFF, 0x2C, 0x72, 0x3D, 0x61], .invalidEncoding),
        ("truncated UTF-8 sequence", bytes("n,,n=") + [0xC3] + bytes(",r=a"), .invalidEncoding),
        ("NUL byte", bytes("n,,n=\u{0},r=abc"), .invalidEncoding),
    ]

    @Test(arguments: clientFirstCases)
    func malformedClientFirstIsRejected(name: String, message: [UInt8], expected: M) {
        var server = RFC7677.serverExchange()
        #expect(server.receiveClientFirst(message) == .failure(.malformed(expected)), "\(name)")
        // Failure is final.
        #expect(server.receiveClientFinal(bytes(RFC7677.clientFinal)) == .failure(.malformed(.unexpectedMessage)))
        #expect(server.clientKey == nil)
    }

    @Test(arguments: [
        "n,,n=,r=abc",
        "y,,n=,r=abc", // the client supports binding, but believes we do not: fine without TLS
        "n,,n=user,r=abc",
        "n,,n=a=2Cb=3D,r=abc", // escaped "," and "="
        "n,,n=j\u{FC}rgen,r=abc", // UTF-8 user name
        "n,,n=,r=abc,x=extension,y=another", // optional extensions are ignored
        "n,,n=,r=" + String(repeating: "~", count: 256),
    ])
    func wellFormedClientFirstIsAccepted(message: String) {
        var server = RFC7677.serverExchange()
        let serverFirst = text(server.receiveClientFirst(bytes(message)))
        #expect((try? serverFirst.get())?.hasPrefix("r=") == true, "\(message)")
    }

    static let nonce = RFC7677.combinedNonce
    static let proof = RFC7677.proof

    // client-final-message variants after the RFC's client-first-message.
    static let clientFinalCases: [(String, [UInt8], AuthFailure)] = [
        ("empty", [], .malformed(.truncated)),
        ("missing r= and p=", bytes("c=biws"), .malformed(.missingAttribute("r"))),
        ("missing p=", bytes("c=biws,r=\(nonce)"), .malformed(.missingAttribute("p"))),
        ("missing c=", bytes("r=\(nonce),p=\(proof)"), .malformed(.missingAttribute("c"))),
        ("m= instead of c=", bytes("m=x,c=biws,r=\(nonce),p=\(proof)"), .malformed(.missingAttribute("c"))),
        ("dangling comma before p=", bytes("c=biws,r=\(nonce),"), .malformed(.truncated)),
        ("y,, binding data for an n,, header", bytes("c=eSws,r=\(nonce),p=\(proof)"), .malformed(.channelBindingMismatch)),
        ("empty binding data", bytes("c=,r=\(nonce),p=\(proof)"), .malformed(.channelBindingMismatch)),
        ("binding data not base64", bytes("c=bi*s,r=\(nonce),p=\(proof)"), .malformed(.invalidBase64("c"))),
        ("client nonce only", bytes("c=biws,r=\(RFC7677.clientNonce),p=\(proof)"), .malformed(.nonceMismatch)),
        ("nonce with an extra character", bytes("c=biws,r=\(nonce)X,p=\(proof)"), .malformed(.nonceMismatch)),
        ("empty nonce", bytes("c=biws,r=,p=\(proof)"), .malformed(.nonceMismatch)),
        ("proof not base64", bytes("c=biws,r=\(nonce),p=dHzb!!!!"), .malformed(.invalidBase64("p"))),
        ("proof with bad padding", bytes("c=biws,r=\(nonce),p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ"),
         .malformed(.invalidBase64("p"))),
        ("proof of 3 bytes", bytes("c=biws,r=\(nonce),p=AAAA"), .malformed(.invalidProofLength)),
        ("proof of 33 bytes", bytes("c=biws,r=\(nonce),p=" + Base64.encode([UInt8](repeating: 1, count: 33))),
         .malformed(.invalidProofLength)),
        ("empty proof", bytes("c=biws,r=\(nonce),p="), .malformed(.invalidProofLength)),
        ("attribute after the proof", bytes("c=biws,r=\(nonce),p=\(proof),x=1"), .malformed(.trailingData)),
        ("comma after the proof", bytes("c=biws,r=\(nonce),p=\(proof),"), .malformed(.trailingData)),
        ("10 KB message", bytes("c=biws,r=\(nonce)" + tenKilobyteNonce + ",p=\(proof)"), .malformed(.tooLong)),
        ("invalid UTF-8", bytes("c=biws,r=\(nonce),p=") + [0xFF], .malformed(.invalidEncoding)),
        ("wrong proof", bytes("c=biws,r=\(nonce),p=" + Base64.encode([UInt8](repeating: 0, count: 32))), .badPassword),
        // Extensions before the proof are allowed, and part of AuthMessage: the RFC's proof,
        // computed without one, no longer matches.
        ("extension before the proof", bytes("c=biws,r=\(nonce),x=ext,p=\(proof)"), .badPassword),
    ]

    @Test(arguments: clientFinalCases)
    func malformedClientFinalIsRejected(name: String, message: [UInt8], expected: AuthFailure) {
        var server = RFC7677.serverExchange()
        #expect(text(server.receiveClientFirst(bytes(RFC7677.clientFirst))) == .success(RFC7677.serverFirst))
        #expect(server.receiveClientFinal(message) == .failure(expected), "\(name)")
        #expect(server.clientKey == nil)
        #expect(server.receiveClientFinal(bytes(RFC7677.clientFinal)) == .failure(.malformed(.unexpectedMessage)))
    }

    @Test func messagesOutOfOrderAreRejected() {
        var early = RFC7677.serverExchange()
        #expect(early.receiveClientFinal(bytes(RFC7677.clientFinal)) == .failure(.malformed(.unexpectedMessage)))

        var twice = RFC7677.serverExchange()
        _ = twice.receiveClientFirst(bytes(RFC7677.clientFirst))
        #expect(twice.receiveClientFirst(bytes(RFC7677.clientFirst)) == .failure(.malformed(.unexpectedMessage)))

        var done = RFC7677.serverExchange()
        _ = done.receiveClientFirst(bytes(RFC7677.clientFirst))
        _ = done.receiveClientFinal(bytes(RFC7677.clientFinal))
        #expect(done.clientKey != nil)
        #expect(done.receiveClientFinal(bytes(RFC7677.clientFinal)) == .failure(.malformed(.unexpectedMessage)))
    }

    @Test func yFlagIsBoundIntoTheChannelBindingCheck() {
        // With "y,," the client must send c=base64("y,,") = "eSws"; "biws" is for "n,,".
        var server = RFC7677.serverExchange()
        _ = server.receiveClientFirst(bytes("y,,n=,r=abc"))
        let final = "c=biws,r=abc\(RFC7677.serverNonce),p=\(RFC7677.proof)"
        #expect(server.receiveClientFinal(bytes(final)) == .failure(.malformed(.channelBindingMismatch)))
    }

    @Test func onlySCRAMSHA256IsAdvertisedWithoutChannelBinding() {
        #expect(ScramChannelBinding.unavailable.advertisedMechanisms == ["SCRAM-SHA-256"])
    }

    @Test func arbitraryBytesNeverTrap() {
        // Deterministic pseudo-random messages, biased towards SCRAM's alphabet.
        var generator = SplitMix64(seed: 0x5CA1AB1E)
        let alphabet = bytes("nyprcsiemav=,,,=2C3DbiwsAB+/") + [0, 0x7F, 0xC3, 0xFF]
        for _ in 0..<3000 {
            let length = Int(generator.next() % 64)
            let message = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            var first = RFC7677.serverExchange()
            _ = first.receiveClientFirst(message)
            var final = RFC7677.serverExchange()
            _ = final.receiveClientFirst(bytes(RFC7677.clientFirst))
            _ = final.receiveClientFinal(bytes("c=biws,r=\(Self.nonce),") + message)
        }
    }
}

/// A small deterministic generator for the never-trap sweeps.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { self.state = seed }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
