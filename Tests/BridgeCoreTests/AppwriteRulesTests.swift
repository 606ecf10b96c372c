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
    }
}
