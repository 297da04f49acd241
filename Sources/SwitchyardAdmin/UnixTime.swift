// UnixTime: Unix timestamps as PostgreSQL-style and HTTP-style UTC text, without Foundation.

/// Formats seconds since the Unix epoch.
package enum UnixTime {
    /// As PostgreSQL prints a `timestamptz` in UTC: `2023-11-14 22:13:20+00`.
    package static func format(_ seconds: Int) -> String {
        let (days, secondOfDay) = Self.split(seconds)
        let (year, month, day) = Self.civilDate(daysSinceEpoch: days)
        return "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2)) \(Self.clock(secondOfDay))+00"
    }

    /// As HTTP's `Date` header wants it (IMF-fixdate, RFC 9110 §5.6.7): `Tue, 14 Nov 2023 22:13:20 GMT`.
    package static func httpDate(_ seconds: Int) -> String {
        let (days, secondOfDay) = Self.split(seconds)
        let (year, month, day) = Self.civilDate(daysSinceEpoch: days)
        // 1970-01-01 was a Thursday (index 4 counting from Sunday).
        let weekday = ((days % 7) + 7 + 4) % 7
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let date = "\(Self.pad(day, 2)) \(months[month - 1]) \(Self.pad(year, 4))"
        return "\(weekdays[weekday]), \(date) \(Self.clock(secondOfDay)) GMT"
    }

    /// Whole days since the epoch (rounded down) and the second within that day.
    private static func split(_ seconds: Int) -> (days: Int, secondOfDay: Int) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        return (days, seconds - days * 86_400)
    }

    private static func clock(_ secondOfDay: Int) -> String {
        "\(Self.pad(secondOfDay / 3600, 2)):\(Self.pad(secondOfDay / 60 % 60, 2)):\(Self.pad(secondOfDay % 60, 2))"
    }

    /// The proleptic Gregorian date of a day count from 1970-01-01, by the era-based method in
    /// Howard Hinnant's "chrono-Compatible Low-Level Date Algorithms" (`civil_from_days`):
    /// days are shifted to start at 0000-03-01 so that the leap day ends each 400-year era.
    static func civilDate(daysSinceEpoch: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = daysSinceEpoch + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
