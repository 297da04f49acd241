// PostgresNumeric+Binary: numeric's binary wire form (numeric_send / numeric_recv).

extension PostgresNumeric {
    /// The sign word of the binary form (src/backend/utils/adt/numeric.c, PostgreSQL 15).
    private enum Sign {
        static let positive: UInt16 = 0x0000
        static let negative: UInt16 = 0x4000
        static let nan: UInt16 = 0xC000
        static let positiveInfinity: UInt16 = 0xD000
        static let negativeInfinity: UInt16 = 0xF000
    }

    /// Reads the binary form: int16 ndigits, int16 weight, uint16 sign, int16 dscale, then
    /// ndigits base-10000 digits (int16 each), the first multiplying 10000^weight.
    init?(binary bytes: some Collection<UInt8>) {
        let bytes = Array(bytes)
        guard bytes.count >= 8 else { return nil }
        func word(_ index: Int) -> UInt16 { UInt16(bytes[2 * index]) << 8 | UInt16(bytes[2 * index + 1]) }
        let count = Int(word(0))
        let weight = Int(Int16(bitPattern: word(1)))
        let sign = word(2)
        let scale = Int(word(3))
        guard bytes.count == 8 + 2 * count, scale <= 0x3FFF else { return nil }
        switch sign {
        case Sign.nan: self.init(kind: .nan)
        case Sign.positiveInfinity: self.init(kind: .positiveInfinity)
        case Sign.negativeInfinity: self.init(kind: .negativeInfinity)
        case Sign.positive, Sign.negative:
            // Decimal digits from 10^(4*weight + 3) down to 10^-scale.
            var digits: [UInt8] = []
            let highest = 4 * weight + 3
            var power = max(highest, 0)
            while power >= -scale {
                let group = weight - Self.floorDivide(power, 4)
                let groupValue = group >= 0 && group < count ? Int(word(4 + group)) : 0
                guard groupValue < 10000 else { return nil }
                var place = power - 4 * Self.floorDivide(power, 4)
                var value = groupValue
                while place > 0 {
                    value /= 10
                    place -= 1
                }
                digits.append(UInt8(value % 10))
                power -= 1
            }
            self.init(isNegative: sign == Sign.negative, digits: digits, scale: scale)
        default:
            return nil
        }
    }

    /// The binary form as `numeric_send` writes it: leading and trailing zero base-10000 digits
    /// stripped (zero has none, and weight 0), specials with no digits. A special's display
    /// scale is what `NUMERIC_DSCALE` reads from its short header: the bits 0x1F80 of the sign
    /// word, so 0 for NaN and 32 for the infinities.
    var binary: [UInt8] {
        var words: [UInt16]
        switch self.kind {
        case .nan: words = [0, 0, Sign.nan, (Sign.nan & 0x1F80) >> 7]
        case .positiveInfinity: words = [0, 0, Sign.positiveInfinity, (Sign.positiveInfinity & 0x1F80) >> 7]
        case .negativeInfinity: words = [0, 0, Sign.negativeInfinity, (Sign.negativeInfinity & 0x1F80) >> 7]
        case .finite:
            // Digits with at least `scale` of them, then padded to whole groups of four on both
            // sides of the decimal point.
            let allDigits = Array(repeating: UInt8(0), count: max(0, self.scale - self.digits.count)) + self.digits
            let integerCount = allDigits.count - self.scale
            let leftPad = (4 - integerCount % 4) % 4
            let rightPad = (4 - self.scale % 4) % 4
            let padded =
                Array(repeating: UInt8(0), count: leftPad) + allDigits + Array(repeating: UInt8(0), count: rightPad)
            var groups: [UInt16] = []
            var index = 0
            while index < padded.count {
                var value: UInt16 = 0
                for offset in 0..<4 { value = value * 10 + UInt16(padded[index + offset]) }
                groups.append(value)
                index += 4
            }
            var weight = (integerCount + leftPad) / 4 - 1
            while let first = groups.first, first == 0 {
                groups.removeFirst()
                weight -= 1
            }
            while let last = groups.last, last == 0 { groups.removeLast() }
            if groups.isEmpty { weight = 0 }
            words = [UInt16(groups.count), UInt16(bitPattern: Int16(weight))]
            words.append(self.isNegative ? Sign.negative : Sign.positive)
            words.append(UInt16(self.scale))
            words += groups
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(2 * words.count)
        for word in words {
            bytes.append(UInt8(word >> 8))
            bytes.append(UInt8(word & 0xFF))
        }
        return bytes
    }

    private static func floorDivide(_ a: Int, _ b: Int) -> Int {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }
}
