// Base64: strict RFC 4648 base64 (standard alphabet, padded), as SCRAM messages and secrets use it.

/// Standard base64 with padding (RFC 4648 §4), decoded strictly.
///
/// SCRAM (RFC 5802 §7) and PostgreSQL's stored secrets use this alphabet with `=` padding. The
/// decoder accepts only the canonical encoding: a length that is a multiple of four, padding
/// only at the end, no whitespace or line breaks, and zero bits in the unused low bits of the
/// last character. Everything else is `nil`, so one value has exactly one accepted spelling.
package enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let padding = UInt8(ascii: "=")
    private static let invalid: UInt8 = 0xFF

    /// Maps each byte to its 6-bit value, or `invalid`.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: invalid, count: 256)
        for (index, character) in alphabet.enumerated() {
            table[Int(character)] = UInt8(index)
        }
        return table
    }()

    // MARK: - Encoding

    /// Encodes `bytes` as base64 text.
    package static func encode(_ bytes: [UInt8]) -> String {
        String(decoding: Self.encodedBytes(bytes), as: UTF8.self)
    }

    /// Encodes `bytes` as the ASCII bytes of their base64 text.
    package static func encodedBytes(_ bytes: [UInt8]) -> [UInt8] {
        var output = [UInt8]()
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        bytes.withUnsafeBufferPointer { input in
            Self.alphabet.withUnsafeBufferPointer { alphabet in
                var index = 0
                while index + 3 <= input.count {
                    let group = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
                    output.append(alphabet[Int(group >> 18)])
                    output.append(alphabet[Int(group >> 12 & 0x3F)])
                    output.append(alphabet[Int(group >> 6 & 0x3F)])
                    output.append(alphabet[Int(group & 0x3F)])
                    index += 3
                }
                switch input.count - index {
                case 1:
                    let group = UInt32(input[index]) << 16
                    output.append(alphabet[Int(group >> 18)])
                    output.append(alphabet[Int(group >> 12 & 0x3F)])
                    output.append(Self.padding)
                    output.append(Self.padding)
                case 2:
                    let group = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8
                    output.append(alphabet[Int(group >> 18)])
                    output.append(alphabet[Int(group >> 12 & 0x3F)])
                    output.append(alphabet[Int(group >> 6 & 0x3F)])
                    output.append(Self.padding)
                default:
                    break
                }
            }
        }
        return output
    }

    // MARK: - Decoding

    /// Decodes base64 text; `nil` unless it is canonical padded base64.
    package static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { Self.decode(buffer: $0) }
    }

    /// Decodes base64 given as ASCII bytes; `nil` unless it is canonical padded base64.
    package static func decode(_ encoded: [UInt8]) -> [UInt8]? {
        encoded.withUnsafeBufferPointer { Self.decode(buffer: $0) }
    }

    /// Decodes base64 given as a slice of ASCII bytes (a field inside a larger message).
    package static func decode(_ encoded: ArraySlice<UInt8>) -> [UInt8]? {
        encoded.withUnsafeBufferPointer { Self.decode(buffer: $0) }
    }

    private static func decode(buffer input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard input.count % 4 == 0 else { return nil }
        if input.isEmpty { return [] }
        let padCount = input[input.count - 1] != Self.padding ? 0 : input[input.count - 2] != Self.padding ? 1 : 2
        var output = [UInt8]()
        output.reserveCapacity(input.count / 4 * 3 - padCount)
        return Self.values.withUnsafeBufferPointer { values -> [UInt8]? in
            let fullEnd = padCount == 0 ? input.count : input.count - 4
            var index = 0
            while index < fullEnd {
                let a = values[Int(input[index])], b = values[Int(input[index + 1])]
                let c = values[Int(input[index + 2])], d = values[Int(input[index + 3])]
                guard (a | b | c | d) & 0xC0 == 0 else { return nil }
                let group = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                output.append(UInt8(truncatingIfNeeded: group >> 16))
                output.append(UInt8(truncatingIfNeeded: group >> 8))
                output.append(UInt8(truncatingIfNeeded: group))
                index += 4
            }
            guard padCount > 0 else { return output }
            let a = values[Int(input[index])], b = values[Int(input[index + 1])]
            if padCount == 2 {
                // "xx==": one byte; the low 4 bits of the second character must be zero.
                guard (a | b) & 0xC0 == 0, b & 0x0F == 0 else { return nil }
                output.append(a << 2 | b >> 4)
            } else {
                // "xxx=": two bytes; the low 2 bits of the third character must be zero.
                let c = values[Int(input[index + 2])]
                guard (a | b | c) & 0xC0 == 0, c & 0x03 == 0 else { return nil }
                output.append(a << 2 | b >> 4)
                output.append(b << 4 | c >> 2)
            }
            return output
        }
    }
}
