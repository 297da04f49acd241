// BigUInt: the few unsigned big-integer operations exact float-to-decimal conversion needs.

/// An unsigned integer of any size, little-endian 32-bit limbs, no leading zero limbs.
struct BigUInt: Comparable, Sendable {
    private var limbs: [UInt32]

    init(_ value: UInt64) {
        self.limbs = [UInt32(truncatingIfNeeded: value), UInt32(truncatingIfNeeded: value >> 32)]
        self.normalize()
    }

    private mutating func normalize() {
        while let last = self.limbs.last, last == 0 { self.limbs.removeLast() }
    }

    var isZero: Bool { self.limbs.isEmpty }

    /// `self * factor`.
    func multiplied(by factor: UInt32) -> BigUInt {
        var result = self
        var carry: UInt64 = 0
        for index in result.limbs.indices {
            let product = UInt64(result.limbs[index]) * UInt64(factor) + carry
            result.limbs[index] = UInt32(truncatingIfNeeded: product)
            carry = product >> 32
        }
        if carry > 0 { result.limbs.append(UInt32(carry)) }
        result.normalize()
        return result
    }

    /// `self * 2^count`.
    func shiftedLeft(by count: Int) -> BigUInt {
        guard !self.isZero, count > 0 else { return self }
        var result = BigUInt(0)
        result.limbs = Array(repeating: 0, count: count / 32) + self.limbs
        let bits = UInt32(count % 32)
        if bits > 0 {
            var carry: UInt32 = 0
            for index in (count / 32)..<result.limbs.count {
                let limb = result.limbs[index]
                result.limbs[index] = limb << bits | carry
                carry = limb >> (32 - bits)
            }
            if carry > 0 { result.limbs.append(carry) }
        }
        return result
    }

    /// `self * 5^count`.
    func timesPowerOfFive(_ count: Int) -> BigUInt {
        var result = self
        var remaining = count
        // 5^13 is the largest power of five below 2^32.
        while remaining >= 13 {
            result = result.multiplied(by: 1_220_703_125)
            remaining -= 13
        }
        var factor: UInt32 = 1
        for _ in 0..<remaining { factor *= 5 }
        return result.multiplied(by: factor)
    }

    /// `self * 10^count`.
    func timesPowerOfTen(_ count: Int) -> BigUInt {
        self.timesPowerOfFive(count).shiftedLeft(by: count)
    }

    static func + (a: BigUInt, b: BigUInt) -> BigUInt {
        var result = BigUInt(0)
        var carry: UInt64 = 0
        for index in 0..<max(a.limbs.count, b.limbs.count) {
            let sum =
                UInt64(index < a.limbs.count ? a.limbs[index] : 0) + UInt64(index < b.limbs.count ? b.limbs[index] : 0)
                + carry
            result.limbs.append(UInt32(truncatingIfNeeded: sum))
            carry = sum >> 32
        }
        if carry > 0 { result.limbs.append(UInt32(carry)) }
        result.normalize()
        return result
    }

    /// `a - b` for `a >= b`.
    static func - (a: BigUInt, b: BigUInt) -> BigUInt {
        precondition(a >= b, "BigUInt subtraction needs a >= b")
        var result = a
        var borrow: Int64 = 0
        for index in result.limbs.indices {
            var difference = Int64(result.limbs[index]) - borrow - Int64(index < b.limbs.count ? b.limbs[index] : 0)
            borrow = difference < 0 ? 1 : 0
            if difference < 0 { difference += 1 << 32 }
            result.limbs[index] = UInt32(difference)
        }
        result.normalize()
        return result
    }

    static func < (a: BigUInt, b: BigUInt) -> Bool {
        if a.limbs.count != b.limbs.count { return a.limbs.count < b.limbs.count }
        for index in a.limbs.indices.reversed() where a.limbs[index] != b.limbs[index] {
            return a.limbs[index] < b.limbs[index]
        }
        return false
    }

    /// The decimal digits, most significant first (`[0]` for zero).
    var decimalDigits: [UInt8] {
        guard !self.isZero else { return [0] }
        var chunks: [UInt32] = []
        var value = self.limbs
        while !value.isEmpty {
            var remainder: UInt64 = 0
            for index in value.indices.reversed() {
                let current = remainder << 32 | UInt64(value[index])
                value[index] = UInt32(current / 1_000_000_000)
                remainder = current % 1_000_000_000
            }
            chunks.append(UInt32(remainder))
            while let last = value.last, last == 0 { value.removeLast() }
        }
        var digits: [UInt8] = []
        for (position, chunk) in chunks.reversed().enumerated() {
            var group = [UInt8](repeating: 0, count: 9)
            var rest = chunk
            for slot in (0..<9).reversed() {
                group[slot] = UInt8(rest % 10)
                rest /= 10
            }
            digits += position == 0 ? Array(group.drop(while: { $0 == 0 })) : group
        }
        return digits
    }
}
