import Foundation

/// IDs in the shape of Appwrite's `ID.unique()`: 8 hex digits of Unix seconds, 5 of microseconds,
/// then 7 random ones (20 in all), so they sort roughly by creation like Appwrite's own.
enum AppwriteID {
    static let placeholder = "unique()"

    static func unique(now: Date = Date()) -> String {
        let seconds = now.timeIntervalSince1970
        let whole = Int(seconds)
        let micros = min(Int((seconds - Double(whole)) * 1_000_000), 999_999)
        let random = (0..<7).map { _ in "0123456789abcdef".randomElement()! }
        return hex(whole, digits: 8) + hex(micros, digits: 5) + String(random)
    }

    private static func hex(_ value: Int, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(digits - text.count, 0)) + text
    }

    /// The caller's ID, or a concrete one in its place when it left the choice to Appwrite.
    static func concrete(_ id: String) -> String { id == placeholder ? unique() : id }
}
