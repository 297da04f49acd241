// DateTimeText: reads date, time and timestamp text (DateStyle ISO) into numbers that sort chronologically.

/// Parses the ISO output of `date`, `time`, `timestamp` and `timestamptz` (PostgreSQL's default
/// `DateStyle = 'ISO, MDY'`) into the numbers PostgreSQL itself stores: days or microseconds since
/// 2000-01-01, `-infinity`/`infinity` as the smallest/largest values (as in
/// src/include/datatype/timestamp.h). Years before 1 AD print with ` BC` (year 1 BC is
/// astronomical year 0). Other DateStyles are not read (`nil`).
enum DateTimeText {
    /// Days since 2000-01-01 of `YYYY-MM-DD[ BC]`.
    static func date(_ text: some Collection<UInt8>) -> Int64? {
        if let infinity = Self.infinity(text) { return infinity }
        var reader = Reader(bytes: Array(text))
        guard let days = reader.date(), reader.finish() else { return nil }
        return reader.isBC ? nil : days
    }

    /// Microseconds since 2000-01-01 00:00 of `YYYY-MM-DD HH:MM:SS[.ffffff][ BC]`; with
    /// `zoned`, the `+HH[:MM[:SS]]` offset that follows the time is taken away (UTC instant).
    static func timestamp(_ text: some Collection<UInt8>, zoned: Bool) -> Int64? {
        if let infinity = Self.infinity(text) { return infinity }
        var reader = Reader(bytes: Array(text))
        guard let days = reader.date(), reader.expect(UInt8(ascii: " ")), let time = reader.time() else { return nil }
        var offset: Int64 = 0
        if zoned {
            guard let zone = reader.zoneOffset() else { return nil }
            offset = zone
        }
        guard reader.finish(), !reader.isBC else { return nil }
        // Years beyond PostgreSQL's range would overflow: not a timestamp a server sends.
        let (dayMicros, overflow1) = days.multipliedReportingOverflow(by: Self.microsecondsPerDay)
        let (local, overflow2) = dayMicros.addingReportingOverflow(time)
        let (instant, overflow3) = local.subtractingReportingOverflow(offset * 1_000_000)
        guard !overflow1, !overflow2, !overflow3 else { return nil }
        return instant
    }

    /// Microseconds since midnight of `HH:MM:SS[.ffffff]` (`24:00:00` included).
    static func time(_ text: some Collection<UInt8>) -> Int64? {
        var reader = Reader(bytes: Array(text))
        guard let time = reader.time(), reader.finish(), !reader.isBC else { return nil }
        return time
    }

    static let microsecondsPerDay: Int64 = 86_400_000_000

    private static func infinity(_ text: some Collection<UInt8>) -> Int64? {
        if text.elementsEqual("infinity".utf8) { return .max }
        if text.elementsEqual("-infinity".utf8) { return .min }
        return nil
    }

    /// Days from 2000-01-01 to a proleptic Gregorian date (astronomical year), after the
    /// civil-from-days algorithm of H. Hinnant (http://howardhinnant.github.io/date_algorithms.html).
    static func daysSince2000(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        // 0000-03-01 is day 0 of era 0, 730425 days before 2000-01-01.
        return era * 146_097 + dayOfEra - 730_425
    }

    /// A cursor over the text; `isBC` records a ` BC` suffix, which `date()` applies itself.
    private struct Reader {
        var bytes: [UInt8]
        var index = 0
        var isBC = false

        init(bytes: [UInt8]) {
            self.bytes = bytes
            if bytes.count >= 3, bytes.suffix(3).elementsEqual(" BC".utf8) {
                self.bytes.removeLast(3)
                self.isBC = true
            }
        }

        mutating func number(minimumDigits: Int, maximumDigits: Int) -> Int64? {
            var value: Int64 = 0
            var count = 0
            while self.index < self.bytes.count, count < maximumDigits,
                self.bytes[self.index] &- UInt8(ascii: "0") < 10
            {
                value = value * 10 + Int64(self.bytes[self.index] - UInt8(ascii: "0"))
                self.index += 1
                count += 1
            }
            return count >= minimumDigits ? value : nil
        }

        mutating func expect(_ byte: UInt8) -> Bool {
            guard self.index < self.bytes.count, self.bytes[self.index] == byte else { return false }
            self.index += 1
            return true
        }

        mutating func date() -> Int64? {
            guard let year = self.number(minimumDigits: 4, maximumDigits: 9), self.expect(UInt8(ascii: "-")),
                let month = self.number(minimumDigits: 2, maximumDigits: 2), self.expect(UInt8(ascii: "-")),
                let day = self.number(minimumDigits: 2, maximumDigits: 2), (1...12).contains(month),
                (1...31).contains(day), year >= 1
            else { return nil }
            let days = DateTimeText.daysSince2000(year: self.isBC ? 1 - year : year, month: month, day: day)
            self.isBC = false
            return days
        }

        mutating func time() -> Int64? {
            guard let hours = self.number(minimumDigits: 2, maximumDigits: 2), self.expect(UInt8(ascii: ":")),
                let minutes = self.number(minimumDigits: 2, maximumDigits: 2), self.expect(UInt8(ascii: ":")),
                let seconds = self.number(minimumDigits: 2, maximumDigits: 2)
            else { return nil }
            var micros: Int64 = 0
            if self.expect(UInt8(ascii: ".")) {
                let start = self.index
                guard let fraction = self.number(minimumDigits: 1, maximumDigits: 6) else { return nil }
                micros = fraction
                for _ in 0..<(6 - (self.index - start)) { micros *= 10 }
            }
            return ((hours * 60 + minutes) * 60 + seconds) * 1_000_000 + micros
        }

        /// `+HH`, `-HH:MM` or `+HH:MM:SS`, in seconds east of UTC.
        mutating func zoneOffset() -> Int64? {
            guard self.index < self.bytes.count else { return nil }
            let sign: Int64
            switch self.bytes[self.index] {
            case UInt8(ascii: "+"): sign = 1
            case UInt8(ascii: "-"): sign = -1
            default: return nil
            }
            self.index += 1
            guard let hours = self.number(minimumDigits: 2, maximumDigits: 2) else { return nil }
            var seconds = hours * 3600
            if self.expect(UInt8(ascii: ":")) {
                guard let minutes = self.number(minimumDigits: 2, maximumDigits: 2) else { return nil }
                seconds += minutes * 60
                if self.expect(UInt8(ascii: ":")) {
                    guard let extra = self.number(minimumDigits: 2, maximumDigits: 2) else { return nil }
                    seconds += extra
                }
            }
            return sign * seconds
        }

        func finish() -> Bool { self.index == self.bytes.count }
    }
}
