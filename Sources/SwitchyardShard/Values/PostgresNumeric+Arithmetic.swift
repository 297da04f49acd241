// PostgresNumeric+Arithmetic: exact addition and PostgreSQL's avg division (numeric_div, select_div_scale).

extension PostgresNumeric {
    /// `numeric_add`: exact, with the larger display scale; NaN wins, `Infinity + -Infinity` is NaN.
    static func + (a: PostgresNumeric, b: PostgresNumeric) -> PostgresNumeric {
        switch (a.kind, b.kind) {
        case (.nan, _), (_, .nan), (.positiveInfinity, .negativeInfinity), (.negativeInfinity, .positiveInfinity):
            return .nan
        case (.positiveInfinity, _), (.negativeInfinity, _):
            return a
        case (_, .positiveInfinity), (_, .negativeInfinity):
            return b
        case (.finite, .finite):
            break
        }
        let scale = max(a.scale, b.scale)
        let x = a.digits + Array(repeating: 0, count: scale - a.scale)
        let y = b.digits + Array(repeating: 0, count: scale - b.scale)
        if a.isNegative == b.isNegative {
            return PostgresNumeric(isNegative: a.isNegative, digits: Self.addMagnitudes(x, y), scale: scale)
        }
        let scaledA = PostgresNumeric(isNegative: false, digits: x, scale: scale)
        let scaledB = PostgresNumeric(isNegative: false, digits: y, scale: scale)
        switch Self.compareMagnitudes(scaledA, scaledB) {
        case 0: return PostgresNumeric(isNegative: false, digits: [], scale: scale)
        case 1: return PostgresNumeric(isNegative: a.isNegative, digits: Self.subtractMagnitudes(x, y), scale: scale)
        default: return PostgresNumeric(isNegative: b.isNegative, digits: Self.subtractMagnitudes(y, x), scale: scale)
        }
    }

    private static func addMagnitudes(_ x: [UInt8], _ y: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: max(x.count, y.count) + 1)
        var carry: UInt8 = 0
        for position in 0..<(result.count) {
            let a = position < x.count ? x[x.count - 1 - position] : 0
            let b = position < y.count ? y[y.count - 1 - position] : 0
            let sum = a + b + carry
            result[result.count - 1 - position] = sum % 10
            carry = sum / 10
        }
        return result
    }

    /// `x - y` for `x >= y`.
    private static func subtractMagnitudes(_ x: [UInt8], _ y: [UInt8]) -> [UInt8] {
        var result = x
        var borrow: Int8 = 0
        for position in 0..<x.count {
            var digit = Int8(x[x.count - 1 - position]) - borrow
            digit -= position < y.count ? Int8(y[y.count - 1 - position]) : 0
            borrow = digit < 0 ? 1 : 0
            result[x.count - 1 - position] = UInt8(digit + 10 * borrow)
        }
        return result
    }

    // MARK: - Average

    /// `numeric_div(self, count)` as `numeric_avg` and `int8_avg` compute an average
    /// (PostgreSQL 15, src/backend/utils/adt/numeric.c): the quotient has the scale
    /// `select_div_scale` picks, rounded half away from zero (`div_var` with `round = true`).
    /// Special values divide to themselves. `count` must be positive.
    func dividedForAverage(by count: Int64) -> PostgresNumeric {
        precondition(count > 0, "an average divides by a positive count")
        guard self.kind == .finite else { return self }
        let divisor = PostgresNumeric(count)
        let scale = Self.divisionScale(self, divisor)
        // The quotient to one digit beyond `scale`, truncated, then rounded on that digit: the
        // truncated extra digit is at least 5 exactly when the remainder is at least one half.
        // (A scale above 1000 is cut to 1000: truncating the dividend first truncates alike.)
        let shift = scale - self.scale + 1
        let shifted = shift >= 0 ? self.digits + Array(repeating: 0, count: shift) : Array(self.digits.dropLast(-shift))
        var quotient: [UInt8] = []
        quotient.reserveCapacity(shifted.count)
        var remainder: UInt128 = 0
        let divisorValue = UInt128(count)
        for digit in shifted {
            remainder = remainder * 10 + UInt128(digit)
            quotient.append(UInt8(remainder / divisorValue))
            remainder %= divisorValue
        }
        let roundsUp = (quotient.popLast() ?? 0) >= 5
        if roundsUp {
            var index = quotient.count - 1
            while index >= 0 {
                if quotient[index] == 9 {
                    quotient[index] = 0
                    index -= 1
                } else {
                    quotient[index] += 1
                    break
                }
            }
            if index < 0 { quotient.insert(1, at: 0) }
        }
        return PostgresNumeric(isNegative: self.isNegative, digits: quotient, scale: scale)
    }

    /// `select_div_scale`: enough fraction digits for at least `NUMERIC_MIN_SIG_DIGITS` (16)
    /// significant digits, and no fewer than either operand's display scale, within 0...1000.
    /// Weights count base-10000 digits (`NBASE`), as PostgreSQL stores numerics.
    static func divisionScale(_ dividend: PostgresNumeric, _ divisor: PostgresNumeric) -> Int {
        let (weight1, first1) = dividend.leadingBase10000Digit
        let (weight2, first2) = divisor.leadingBase10000Digit
        var quotientWeight = weight1 - weight2
        if first1 <= first2 { quotientWeight -= 1 }
        var scale = 16 - quotientWeight * 4
        scale = max(scale, dividend.scale, divisor.scale, 0)
        return min(scale, 1000)
    }

    /// The weight (power of 10000) and value of the first non-zero base-10000 digit; (0, 0) for zero.
    var leadingBase10000Digit: (weight: Int, digit: Int) {
        guard !self.digits.isEmpty else { return (0, 0) }
        // The leading decimal digit multiplies 10^exponent.
        let exponent = self.digits.count - self.scale - 1
        let weight = exponent >= 0 ? exponent / 4 : -((-exponent + 3) / 4)
        // The base-10000 digit covers decimal exponents 4*weight ... 4*weight + 3.
        var value = 0
        for power in stride(from: 4 * weight + 3, through: 4 * weight, by: -1) {
            let index = self.digits.count - self.scale - 1 - power
            value = value * 10 + (index >= 0 && index < self.digits.count ? Int(self.digits[index]) : 0)
        }
        return (weight, value)
    }
}
