// Base64Tests: strict base64 against RFC 4648's vectors and malformed input.
import SwitchyardCrypto
import Testing

@Suite struct Base64Tests {
    // RFC 4648 §10.
    @Test(arguments: [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ])
    func encodesAndDecodesRFC4648Vectors(plain: String, encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(Base64.decode(encoded) == Array(plain.utf8))
        #expect(Base64.decode(Array(encoded.utf8)) == Array(plain.utf8))
    }

    @Test func coversTheWholeAlphabet() {
        // 0x00 0x10 0x83 ... encodes each 6-bit value in order: the alphabet itself.
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        let bytes = Base64.decode(alphabet)
        #expect(bytes?.count == 48)
        #expect(bytes.map(Base64.encode) == alphabet)
    }

    @Test func roundTripsEveryLengthUpTo64() {
        for length in 0...64 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes, "length \(length)")
        }
    }

    @Test(arguments: [
        "Zg", "Zg=", "Zm9", // missing padding
        "Zg===", "Z===", "====", "=Zg=", "Zg==Zg==", "Zm=v", // misplaced or excess padding
        "Zm9v\n", " Zm9v", "Zm 9v", "Zm9v\r\n", // whitespace
        "Zm9-", "Zm9_", "Zm9*", "Zm9\u{e9}", // characters outside the standard alphabet
        "Zh==", "Zm9=", // non-zero unused bits: not the canonical encoding
    ])
    func rejectsNonCanonicalInput(text: String) {
        #expect(Base64.decode(text) == nil)
    }

    @Test func decodesASliceOfALargerMessage() {
        let message = Array("p=Zm9vYmFy,x".utf8)
        #expect(Base64.decode(message[2..<10]) == Array("foobar".utf8))
    }
}
