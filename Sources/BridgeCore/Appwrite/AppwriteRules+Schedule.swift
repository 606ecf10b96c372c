import Foundation

extension AppwriteRules {
    /// A `scheduledAt` as Appwrite reads it: PHP's `new \DateTime($text)` for ISO 8601 dates, with
    /// PHP's leniency (month 0, day 0 to 31, hour 24 and second 60 roll over; no offset means UTC,
    /// Appwrite's time zone). Relative formats ("tomorrow") are refused, as the simulator refuses
    /// them. Kept in step with the simulator's PHPDateTime by Tests/ConformanceTests.
    public struct Schedule: Sendable, Equatable {
        /// Seconds since 1970 of the whole second (PHP's `getTimestamp()`).
        public var timestamp: Int
        public var microseconds: Int

        public var date: Date { Date(timeIntervalSince1970: Double(timestamp) + Double(microseconds) / 1_000_000) }
        /// Utopia's minute precision: `format('s')` and `format('v')` are zero after rolling over.
        public var isWholeMinute: Bool { ((timestamp % 60) + 60) % 60 == 0 && microseconds / 1000 == 0 }

        public init?(parsing text: String) {
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
            var offset = 0
            if let zone = output.8 {
                guard let seconds = Self.offsetSeconds(String(zone)) else { return nil }
                offset = seconds
            }
            let monthIndex = year * 12 + (month - 1)
            let days = Self.daysFromCivil(year: monthIndex / 12, month: monthIndex % 12 + 1) + (day - 1)
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

        /// Days since 1970-01-01 of the first of a month (Howard Hinnant's days_from_civil).
        private static func daysFromCivil(year: Int, month: Int) -> Int {
            let y = month <= 2 ? year - 1 : year
            let era = (y >= 0 ? y : y - 399) / 400
            let yearOfEra = y - era * 400
            let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5
            let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
            return era * 146_097 + dayOfEra - 719_468
        }
    }

    /// Why Appwrite would refuse `scheduledAt`, or nil: Text(100), a date Utopia's Datetime
    /// validator takes, in the future by more than 60 whole seconds, to the minute.
    public static func scheduleProblem(_ text: String, now: Date) -> String? {
        guard (1...maximumScheduleLength).contains(length(text)) else {
            return "must be 1 to \(maximumScheduleLength) characters long"
        }
        guard text != "0", let schedule = Schedule(parsing: text) else {
            return "'\(text)' is not an ISO 8601 date (e.g. 2030-01-01T07:30:00Z; without an offset it is UTC)"
        }
        guard schedule.date >= now, schedule.timestamp - Int(now.timeIntervalSince1970.rounded(.down)) > Int(minimumScheduleLead) else {
            return "must be more than 1 minute in the future"
        }
        guard schedule.isWholeMinute else { return "Appwrite schedules to the minute: seconds and fractions must be zero" }
        return nil
    }
}
