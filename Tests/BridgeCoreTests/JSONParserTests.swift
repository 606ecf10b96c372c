import Foundation
import Testing

@testable import BridgeCore

@Suite("JSON parsing and serialising")
struct JSONParserTests {
    @Test func roundTripKeepsOrderAndNumbers() throws {
        let text = #"{"b":1e3,"a":-0.50,"c":{"y":[1,{"k":null}],"x":false},"d":"\u00e9\ud83d\ude00\"\\/"}"#
        let value = try JSONParser.parse(text)
        #expect(value["b"] == .number("1e3"))
        #expect(value["d"] == .string("é😀\"\\/"))
        #expect(value.serialized == #"{"b":1e3,"a":-0.50,"c":{"y":[1,{"k":null}],"x":false},"d":"é😀\"\\/"}"#)
    }

    @Test(arguments: ["", "{", "{\"a\"}", "[1,]", "01", "1.", "-", "tru", "\"\u{01}\"", "{\"a\":1}x", "'a'", "[\"\\x\"]", "\"\\ud800\""])
    func rejectsInvalidJSON(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParseError.invalidUTF8(offset: 2)) { try JSONParser.parse([0x22, 0x61, 0xFF, 0x22]) }
    }

    @Test func boundsNesting() throws {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONParseError.tooDeep(limit: 64)) { try JSONParser.parse(deep) }
        let fine = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try JSONParser.parse(fine)
    }

    @Test func escapesControlCharacters() {
        #expect(JSONValue.string("a\u{01}\n\t").serialized == #""a\u0001\n\t""#)
    }
}

@Suite("timestamps")
struct TimestampTests {
    @Test(arguments: [
        0.0, 1_700_000_000.123, 1_795_426_264.999, 951_782_400.5, 4_102_444_799.001, 68_256_000.25, 1_582_934_400.0, 1_709_164_799.9994,
    ])
    func matchesFoundationsISO8601(seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        #expect(Timestamp.iso8601(date) == formatter.string(from: date))
    }
}
