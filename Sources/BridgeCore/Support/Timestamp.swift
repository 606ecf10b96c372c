import Foundation

enum Timestamp {
    /// `2025-01-01T12:00:00.000Z`; a fresh formatter per call because ISO8601DateFormatter is not Sendable.
    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
