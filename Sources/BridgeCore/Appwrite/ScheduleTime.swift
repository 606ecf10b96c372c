import Foundation

/// An ISO 8601 instant with an explicit offset, as `function_scheduled_at` requires.
public struct ScheduleTime: Sendable, Equatable {
    public var date: Date
    /// Whether seconds and fractions are zero in the text, which Appwrite insists on.
    public var isWholeMinute: Bool

    public init?(parsing text: String) {
        // A literal per call: Regex is not Sendable, and parsing a schedule is rare.
        let pattern = /(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)/
        guard let match = text.wholeMatch(of: pattern) else { return nil }
        let output = match.output
        guard let year = Int(output.1), let month = Int(output.2), let day = Int(output.3),
            let hour = Int(output.4), let minute = Int(output.5)
        else { return nil }
        let second = output.6.flatMap { Int($0) } ?? 0
        let fraction = output.7.map { Double("0." + $0) ?? 0 } ?? 0
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60 else { return nil }
        guard let offset = Self.offsetSeconds(String(output.8)), let zone = TimeZone(secondsFromGMT: offset) else {
            return nil
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard let date = calendar.date(from: components),
            calendar.component(.day, from: date) == day
        else { return nil }
        self.date = date.addingTimeInterval(fraction)
        self.isWholeMinute = second == 0 && fraction == 0
    }

    private static func offsetSeconds(_ text: String) -> Int? {
        if text == "Z" || text == "z" { return 0 }
        let sign = text.hasPrefix("-") ? -1 : 1
        let digits = text.dropFirst().filter(\.isNumber)
        guard digits.count == 2 || digits.count == 4 else { return nil }
        let hours = Int(digits.prefix(2)) ?? 0
        let minutes = digits.count == 4 ? Int(digits.suffix(2)) ?? 0 : 0
        guard hours <= 23, minutes <= 59 else { return nil }
        return sign * (hours * 3600 + minutes * 60)
    }
}
