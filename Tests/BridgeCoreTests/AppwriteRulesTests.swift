import Testing

@testable import BridgeCore

@Suite("Appwrite's parameter rules")
struct AppwriteRulesTests {
    @Test(arguments: ["a", "home1234", "A.b-c_d", "0abc", String(repeating: "x", count: 36)])
    func validIDs(id: String) {
        #expect(AppwriteRules.isValidID(id))
    }

    @Test(arguments: ["", "_a", ".a", "-a", "a b", "a/b", "ä", "unique()", String(repeating: "x", count: 37)])
    func invalidIDs(id: String) {
        #expect(!AppwriteRules.isValidID(id))
    }

    @Test func headerRules() {
        #expect(AppwriteRules.headersProblem([("Content-Type", "x"), ("a1", "b")]) == nil)
        #expect(AppwriteRules.headersProblem([("x-appwrite-project", "x")]) != nil)
        #expect(AppwriteRules.headersProblem([("X_Underscore", "x")]) != nil)
        #expect(AppwriteRules.headersProblem([("trailing-", "x")]) != nil)
        #expect(AppwriteRules.headersProblem([("", "x")]) != nil)
        // Appwrite's prefix check is case-sensitive, and sizes are bytes.
        #expect(AppwriteRules.headersProblem([("X-Appwrite-Trace", "x")]) == nil)
        #expect(AppwriteRules.headersProblem([("A", String(repeating: "ü", count: 8191))]) == nil)
        #expect(AppwriteRules.headersProblem([("A", String(repeating: "ü", count: 8192))]) != nil)
        #expect(AppwriteRules.headersProblem([("12", "x")]) != nil)
        #expect(AppwriteRules.headersProblem([("012", "x")]) == nil)
    }

    @Test func looseBooleans() {
        let accepted: [(JSONValue, Bool)] = [
            (true, true), (false, false), ("true", true), ("false", false), ("1", true), ("0", false), (1, true), (0, false),
        ]
        for (value, flag) in accepted { #expect(AppwriteRules.looseBoolean(value) == flag, "\(value)") }
        for value: JSONValue in ["yes", "TRUE", 2, .number("1.0"), .null, [true]] {
            #expect(AppwriteRules.looseBoolean(value) == nil, "\(value)")
        }
    }

    @Test func lengthIsCodePoints() {
        #expect(AppwriteRules.length("e\u{301}") == 2)
        #expect(AppwriteRules.length("😀") == 1)
    }
}
