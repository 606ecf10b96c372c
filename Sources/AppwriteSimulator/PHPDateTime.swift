import Foundation

/// The part of PHP's `new \DateTime($text)` that ISO 8601 dates use, with PHP's leniency: month 0
/// and day 0 or 31 roll over (`2030-02-30` is March 2nd), hour 24 and second 60 too. A text without
/// an offset is UTC, Appwrite's server time zone. Relative formats ("tomorrow", "+1 day") are not
/// modelled: they are refused (see README.md).
struct PHPDateTime: Sendable, Equatable {
    /// Seconds since 1970 of the whole second (what PHP's `getTimestamp()` returns).
    var timestamp: Int
    /// The fraction of the second, in microseconds.
    var microseconds: Int
    /// `format('s')` and `format('v')`: the seconds and milliseconds after rolling over.
    var second: Int { ((timestamp % 60) + 60) % 60 }
    var milliseconds: Int { microseconds / 1000 }

    var date: Date { Date(timeIntervalSince1970: Double(timestamp) + Double(microseconds) / 1_000_000) }

    init?(parsing text: String) {
        let pattern =
            /(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?/
        guard let match = text.wholeMatch(of: pattern) else { return nil }
        let output = match.output
        guard let year = Int(output.1), let month = Int(output.2), let day = Int(output.3), month <= 12, day <= 31 else {
            return nil
        }
        let hour = output.4.flatMap { Int($0) } ?? 0
        let minute = output.5.flatMap { Int($0) } ?? 0
        let second = output.6.flatMap { Int($0) } ?? 0
        guard hour <= 24, minute <= 59, second <= 60 else { return nil }
        let offset: Int
        if let zone = output.8 {
            guard let seconds = Self.offsetSeconds(String(zone)) else { return nil }
            offset = seconds
        } else {
            offset = 0
        }
        // Month 0 is December of the year before; days roll over from the 1st of the month.
        let monthIndex = year * 12 + (month - 1)
        let days = Self.daysFromCivil(year: monthIndex / 12, month: monthIndex % 12 + 1, day: 1) + (day - 1)
        timestamp = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        let fraction = output.7.map { String($0.prefix(6)).padding(toLength: 6, withPad: "0", startingAt: 0) } ?? "0"
        microseconds = Int(fraction) ?? 0
    }

    private static func offsetSeconds(_ text: String) -> Int? {
        if text == "Z" || text == "z" { return 0 }
        let sign = text.hasPrefix("-") ? -1 : 1
        let digits = text.dropFirst().filter(\.isNumber)
        let hours = Int(digits.prefix(2)) ?? 0
        let minutes = digits.count == 4 ? Int(digits.suffix(2)) ?? 0 : 0
        guard hours <= 23, minutes <= 59 else { return nil }
        return sign * (hours * 3600 + minutes * 60)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Utopia's `Datetime(requireDateInFuture: true, precision: minutes, offset: 60)`, which
    /// createExecution applies to `scheduledAt`.
    static func isValidSchedule(_ text: String, now: Date = Date()) -> Bool {
        guard !text.isEmpty, text != "0", let date = PHPDateTime(parsing: text) else { return false }
        guard date.date >= now else { return false }
        guard date.timestamp - Int(now.timeIntervalSince1970.rounded(.down)) > 60 else { return false }
        return date.second == 0 && date.milliseconds == 0
    }
}
