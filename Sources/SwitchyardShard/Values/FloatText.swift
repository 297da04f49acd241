// FloatText: float4/float8 text as PostgreSQL 12+ prints it (shortest round-trip digits) and reads it.

/// PostgreSQL's float output with the default `extra_float_digits = 1`: the shortest decimal
/// that reads back as the same value (Ryu, src/common/d2s.c and f2s.c), printed in fixed
/// notation when the leading digit's exponent is within -4 ..< 15 (float8) or -4 ..< 6 (float4),
/// else as `d.ddde+XX` with at least two exponent digits; `NaN`, `Infinity`, `-Infinity`, `-0`.
enum FloatText {
    static func format(_ value: Double) -> [UInt8] {
        if let special = Self.special(value) { return special }
        let isSubnormal = value.exponentBitPattern == 0
        let shortest = ShortestDecimal.of(
            mantissa: isSubnormal ? value.significandBitPattern : value.significandBitPattern | 1 << 52,
            exponent: isSubnormal ? -1074 : Int(value.exponentBitPattern) - 1075,
            lowerGapIsHalf: value.significandBitPattern == 0 && value.exponentBitPattern > 1, maximumDigits: 17)
        return Self.layout(shortest.digits, leading: shortest.leading, isNegative: value < 0, fixedBelow: 15)
    }

    static func format(_ value: Float) -> [UInt8] {
        if let special = Self.special(Double(value)) { return special }
        let isSubnormal = value.exponentBitPattern == 0
        let shortest = ShortestDecimal.of(
            mantissa: UInt64(isSubnormal ? value.significandBitPattern : value.significandBitPattern | 1 << 23),
            exponent: isSubnormal ? -149 : Int(value.exponentBitPattern) - 150,
            lowerGapIsHalf: value.significandBitPattern == 0 && value.exponentBitPattern > 1, maximumDigits: 9)
        return Self.layout(shortest.digits, leading: shortest.leading, isNegative: value < 0, fixedBelow: 6)
    }

    /// Reads a float the server printed; `nil` when it is not a number.
    static func parse(_ text: some Collection<UInt8>) -> Double? {
        if text.elementsEqual("NaN".utf8) { return .nan }
        if text.elementsEqual("Infinity".utf8) { return .infinity }
        if text.elementsEqual("-Infinity".utf8) { return -.infinity }
        guard !text.isEmpty, text.allSatisfy({ Self.isNumberByte($0) }) else { return nil }
        return Double(String(decoding: text, as: UTF8.self))
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"),
            UInt8(ascii: "+"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    private static func special(_ value: Double) -> [UInt8]? {
        if value.isNaN { return Array("NaN".utf8) }
        if value.isInfinite { return Array((value < 0 ? "-Infinity" : "Infinity").utf8) }
        if value == 0 { return Array((value.sign == .minus ? "-0" : "0").utf8) }
        return nil
    }

    /// Prints `digits` (the first one multiplying 10^leading) in PostgreSQL's notation.
    private static func layout(_ digits: [UInt8], leading: Int, isNegative: Bool, fixedBelow limit: Int) -> [UInt8] {
        var result: [UInt8] = isNegative ? [UInt8(ascii: "-")] : []
        let characters = digits.map { $0 + UInt8(ascii: "0") }
        if leading >= -4 && leading < limit {
            let integerDigits = leading + 1
            if integerDigits <= 0 {
                result += Array("0.".utf8) + Array(repeating: UInt8(ascii: "0"), count: -integerDigits) + characters
            } else if integerDigits >= characters.count {
                result += characters + Array(repeating: UInt8(ascii: "0"), count: integerDigits - characters.count)
            } else {
                result += characters[..<integerDigits] + [UInt8(ascii: ".")] + characters[integerDigits...]
            }
        } else {
            result.append(characters[0])
            if characters.count > 1 { result += [UInt8(ascii: ".")] + characters[1...] }
            result += Array((leading < 0 ? "e-" : "e+").utf8)
            let magnitude = String(abs(leading))
            if magnitude.count < 2 { result.append(UInt8(ascii: "0")) }
            result += Array(magnitude.utf8)
        }
        return result
    }
}
