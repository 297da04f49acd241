// StrictBase64: a strict RFC 4648 base64 decoder for secrets written in the configuration.

/// Decodes standard base64 (RFC 4648 section 4) strictly: the `+/` alphabet, `=` padding to a
/// multiple of four characters, no whitespace, and zero bits in the unused low bits of the last
/// character, so that every accepted text has exactly one decoding and one encoding.
enum StrictBase64 {
    /// The decoded bytes, or nil if `text` is not canonical base64.
    static func decode(_ text: Substring) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 4 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(characters.count / 4 * 3)
        var position = 0
        while position < characters.count {
            let isLastQuantum = position + 4 == characters.count
            let quantum = characters[position..<position + 4]
            let padding = quantum.reversed().prefix { $0 == UInt8(ascii: "=") }.count
            guard padding <= 2, padding == 0 || isLastQuantum else { return nil }
            var sextets: [UInt8] = []
            for character in quantum.prefix(4 - padding) {
                guard let sextet = Self.sextet(character) else { return nil }
                sextets.append(sextet)
            }
            let group = sextets.enumerated().reduce(UInt32(0)) { accumulator, element in
                accumulator | UInt32(element.element) << (18 - 6 * UInt32(element.offset))
            }
            let byteCount = 3 - padding
            // Bits below the last whole byte must be zero: "If there are pad bits, they must be
            // set to zero by conforming encoders" (RFC 4648 section 3.5); we accept only that.
            guard group & ((1 << (8 * (3 - UInt32(byteCount)))) - 1) == 0 else { return nil }
            for index in 0..<byteCount {
                bytes.append(UInt8(truncatingIfNeeded: group >> (16 - 8 * UInt32(index))))
            }
            position += 4
        }
        return bytes
    }

    private static func sextet(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return character - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return character - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }
}
