// ShortestDecimal: the shortest decimal that reads back as a given float, chosen as PostgreSQL's Ryu does.

/// The digits PostgreSQL prints for a float (src/common/d2s.c and f2s.c of PostgreSQL 15, Ryu
/// with `acceptBounds` off): the fewest significant digits whose value lies strictly inside the
/// float's rounding interval (a decimal exactly halfway to a neighbouring float is refused, so
/// any reader reads it back alike), and of those the one closest to the float, ties to an even
/// last digit. Computed exactly with big integers.
enum ShortestDecimal {
    /// For the positive finite value `mantissa * 2^exponent`: its digits (no leading or trailing
    /// zeros) and the power of ten of the first digit.
    /// - Parameter lowerGapIsHalf: whether the float below is half as far as the one above (the
    ///   value is a power of two above the smallest normal).
    static func of(mantissa: UInt64, exponent: Int, lowerGapIsHalf: Bool, maximumDigits: Int) -> (digits: [UInt8], leading: Int) {
        // The exact decimal value: digits * 10^scale.
        let exact: BigUInt
        let scale: Int
        if exponent >= 0 {
            exact = BigUInt(mantissa).shiftedLeft(by: exponent)
            scale = 0
        } else {
            exact = BigUInt(mantissa).timesPowerOfFive(-exponent)
            scale = exponent
        }
        let digits = exact.decimalDigits
        let bounds = Bounds(mantissa: mantissa, exponent: exponent, lowerGapIsHalf: lowerGapIsHalf)
        for count in 1...maximumDigits {
            let power = scale + digits.count - count
            var floor: UInt64 = 0
            for index in 0..<count { floor = floor * 10 + UInt64(index < digits.count ? digits[index] : 0) }
            let isExact = digits.dropFirst(count).allSatisfy { $0 == 0 }
            var candidates = [floor]
            if !isExact { candidates.append(floor + 1) }
            candidates = candidates.filter { bounds.contains($0, power: power) }
            guard var best = candidates.first else { continue }
            if candidates.count == 2 {
                let order = bounds.compareDistances(candidates[0], candidates[1], power: power)
                if order > 0 || (order == 0 && candidates[1] % 2 == 0) { best = candidates[1] }
            }
            return Self.normalized(best, power: power)
        }
        return Self.normalized(digits: digits, power: scale)
    }

    private static func normalized(_ value: UInt64, power: Int) -> (digits: [UInt8], leading: Int) {
        var digits: [UInt8] = []
        var rest = value
        while rest > 0 {
            digits.append(UInt8(rest % 10))
            rest /= 10
        }
        return Self.normalized(digits: digits.reversed(), power: power)
    }

    /// Strips leading and trailing zeros of `digits * 10^power`.
    private static func normalized(digits: [UInt8], power: Int) -> (digits: [UInt8], leading: Int) {
        var digits = Array(digits.drop(while: { $0 == 0 }))
        var power = power
        while digits.count > 1, digits.last == 0 {
            digits.removeLast()
            power += 1
        }
        return (digits, power + digits.count - 1)
    }

    /// The open interval of decimals that read back as the float, in units of 2^(exponent - 2):
    /// (4m - 2, 4m + 2), or (4m - 1, 4m + 2) when the gap below is half.
    private struct Bounds {
        var lower: BigUInt
        var value: BigUInt
        var upper: BigUInt
        /// The power of two of one unit.
        var power: Int

        init(mantissa: UInt64, exponent: Int, lowerGapIsHalf: Bool) {
            let four = BigUInt(mantissa).shiftedLeft(by: 2)
            self.value = four
            self.upper = four + BigUInt(2)
            self.lower = four - BigUInt(lowerGapIsHalf ? 1 : 2)
            self.power = exponent - 2
        }

        /// `units * 2^power` and `candidate * 10^tenPower` scaled to integers alike.
        private func scaled(_ units: BigUInt, _ candidate: UInt64, tenPower: Int) -> (BigUInt, BigUInt) {
            let twoShift = max(0, -self.power)
            let tenShift = max(0, -tenPower)
            let left = units.shiftedLeft(by: self.power + twoShift).timesPowerOfTen(tenShift)
            let right = BigUInt(candidate).timesPowerOfTen(tenPower + tenShift).shiftedLeft(by: twoShift)
            return (left, right)
        }

        func contains(_ candidate: UInt64, power tenPower: Int) -> Bool {
            let (lower, value1) = self.scaled(self.lower, candidate, tenPower: tenPower)
            let (upper, value2) = self.scaled(self.upper, candidate, tenPower: tenPower)
            return lower < value1 && value2 < upper
        }

        /// Compares |value - a| with |b - value| for a below and b above the value.
        func compareDistances(_ a: UInt64, _ b: UInt64, power tenPower: Int) -> Int {
            let (value, scaledA) = self.scaled(self.value, a, tenPower: tenPower)
            let (_, scaledB) = self.scaled(self.value, b, tenPower: tenPower)
            let below = value - scaledA
            let above = scaledB - value
            return below < above ? -1 : (below == above ? 0 : 1)
        }
    }
}
