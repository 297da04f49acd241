// PostgresNumeric: PostgreSQL's arbitrary-precision numeric, as read from and written to its text form.

/// A `numeric` value: NaN, ±Infinity, or a decimal with a display scale.
///
/// A finite value is `digits` (decimal, most significant first, no leading zeros, empty for
/// zero) scaled by `10^-scale`; `scale` is PostgreSQL's display scale (`dscale`), the number of
/// fraction digits the text form prints, so `1.50` and `1.5` are equal but print differently.
struct PostgresNumeric: Hashable, Sendable {
    enum Kind: Hashable, Sendable {
        case finite
        case nan
        case positiveInfinity
        case negativeInfinity
    }

    var kind: Kind
    var isNegative: Bool
    var digits: [UInt8]
    var scale: Int

    init(isNegative: Bool, digits: [UInt8], scale: Int) {
        self.kind = .finite
        var digits = digits
        if let firstNonZero = digits.firstIndex(where: { $0 != 0 }) {
            digits.removeFirst(firstNonZero)
        } else {
            digits = []
        }
        self.digits = digits
        self.isNegative = isNegative && !digits.isEmpty
        self.scale = scale
    }

    init(kind: Kind) {
        self.kind = kind
        self.isNegative = kind == .negativeInfinity
        self.digits = []
        self.scale = 0
    }

    init(_ value: Int64) {
        var magnitude = value.magnitude
        var digits: [UInt8] = []
        while magnitude > 0 {
            digits.append(UInt8(magnitude % 10))
            magnitude /= 10
        }
        self.init(isNegative: value < 0, digits: digits.reversed(), scale: 0)
    }

    static let nan = PostgresNumeric(kind: .nan)

    // MARK: - Text form

    /// Reads numeric's output form (`numeric_out`): `NaN`, `Infinity`, `-Infinity` or
    /// `[-]digits[.digits]`; `nil` for anything else.
    init?(text: some Collection<UInt8>) {
        if text.elementsEqual("NaN".utf8) {
            self.init(kind: .nan)
            return
        }
        if text.elementsEqual("Infinity".utf8) {
            self.init(kind: .positiveInfinity)
            return
        }
        if text.elementsEqual("-Infinity".utf8) {
            self.init(kind: .negativeInfinity)
            return
        }
        var isNegative = false
        var digits: [UInt8] = []
        digits.reserveCapacity(text.count)
        var scale = 0
        var seenPoint = false
        var seenDigit = false
        for (offset, byte) in text.enumerated() {
            switch byte {
            case UInt8(ascii: "-") where offset == 0:
                isNegative = true
            case UInt8(ascii: "."):
                guard !seenPoint else { return nil }
                seenPoint = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits.append(byte - UInt8(ascii: "0"))
                seenDigit = true
                if seenPoint { scale += 1 }
            default:
                return nil
            }
        }
        guard seenDigit else { return nil }
        self.init(isNegative: isNegative, digits: digits, scale: scale)
    }

    /// The text form, as `numeric_out` prints it: exactly `scale` fraction digits.
    var text: [UInt8] {
        switch self.kind {
        case .nan: return Array("NaN".utf8)
        case .positiveInfinity: return Array("Infinity".utf8)
        case .negativeInfinity: return Array("-Infinity".utf8)
        case .finite: break
        }
        var result: [UInt8] = []
        if self.isNegative { result.append(UInt8(ascii: "-")) }
        let integerCount = self.digits.count - self.scale
        if integerCount > 0 {
            for digit in self.digits[..<integerCount] { result.append(digit + UInt8(ascii: "0")) }
        } else {
            result.append(UInt8(ascii: "0"))
        }
        if self.scale > 0 {
            result.append(UInt8(ascii: "."))
            for _ in 0..<max(0, -integerCount) { result.append(UInt8(ascii: "0")) }
            for digit in self.digits[max(0, integerCount)...] { result.append(digit + UInt8(ascii: "0")) }
        }
        return result
    }

    // MARK: - Order

    /// PostgreSQL's numeric order (`cmp_numerics`): -Infinity < finite values < Infinity < NaN,
    /// and finite values by value regardless of scale. Returns -1, 0 or 1.
    static func compare(_ a: PostgresNumeric, _ b: PostgresNumeric) -> Int {
        let rankA = a.rank
        let rankB = b.rank
        guard rankA == 1, rankB == 1 else { return rankA < rankB ? -1 : (rankA == rankB ? 0 : 1) }
        if a.isNegative != b.isNegative { return a.isNegative ? -1 : 1 }
        let magnitude = Self.compareMagnitudes(a, b)
        return a.isNegative ? -magnitude : magnitude
    }

    /// -Infinity 0, finite 1, Infinity 2, NaN 3.
    private var rank: Int {
        switch self.kind {
        case .negativeInfinity: return 0
        case .finite: return 1
        case .positiveInfinity: return 2
        case .nan: return 3
        }
    }

    /// Compares |a| and |b| of finite values.
    static func compareMagnitudes(_ a: PostgresNumeric, _ b: PostgresNumeric) -> Int {
        let integerA = a.digits.count - a.scale
        let integerB = b.digits.count - b.scale
        // With no leading zeros, more integer digits means larger (zero has none at all).
        if a.digits.isEmpty || b.digits.isEmpty {
            return a.digits.isEmpty ? (b.digits.isEmpty ? 0 : -1) : 1
        }
        if integerA != integerB { return integerA < integerB ? -1 : 1 }
        let length = max(a.digits.count, b.digits.count)
        for index in 0..<length {
            let x = index < a.digits.count ? a.digits[index] : 0
            let y = index < b.digits.count ? b.digits[index] : 0
            if x != y { return x < y ? -1 : 1 }
        }
        return 0
    }
}
