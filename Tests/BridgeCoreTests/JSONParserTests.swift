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

    @Test func refusesARepeatedKeyWithItsOffset() {
        #expect(throws: JSONParseError.duplicateKey(path: "function_async", offset: 23)) {
            try JSONParser.parse(#"{"function_async":true,"function_async":false}"#)
        }
    }

    @Test(arguments: [
        (#"{"function_body":{"items":[{"id":1},{"id":2,"id":3}]}}"#, "function_body.items[1].id"),
        (#"[{"a":1,"a":2}]"#, "[0].a"),
        (#"{"x":[[{"k":1,"k":1}]]}"#, "x[0][0].k"),
        (#"{"a":{"b":{},"b":[]}}"#, "a.b"),
        // The same name once plain and once escaped is still the same name.
        (#"{"ab":1,"\u0061b":2}"#, "ab"),
        // The first repeat in document order wins, even when a later value has one of its own.
        (#"{"a":1,"a":{"b":1,"b":2}}"#, "a"),
    ])
    func refusesARepeatedKeyAtAnyDepthWithItsPath(text: String, path: String) {
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
        guard case .duplicateKey(let found, _)? = error else {
            Issue.record("expected a duplicate key, got \(String(describing: error))")
            return
        }
        #expect(found == path)
    }

    @Test func aRepeatedKeyIsTheSameNameNotTheSameValue() throws {
        // Sibling objects may reuse names; only a repeat within one object is refused.
        let value = try JSONParser.parse(#"[{"a":1},{"a":1},{"b":{"a":1}}]"#)
        #expect(value.serialized == #"[{"a":1},{"a":1},{"b":{"a":1}}]"#)
    }

    @Test func aHugeRepeatedKeyIsCutInThePath() throws {
        let key = String(repeating: "k", count: 10_000)
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse("{\"\(key)\":1,\"\(key)\":2}") }
        #expect(error == .duplicateKey(path: String(repeating: "k", count: 64) + "…", offset: 10_006))
    }

    @Test func duplicateKeysMapToA400NamingThePath() {
        let error = BridgeError.invalidJSON(.duplicateKey(path: "function_body.a", offset: 40))
        #expect(error.statusCode == 400)
        #expect(error.code == "duplicate_key")
        #expect(error.field == "function_body.a")
        #expect(error.message.contains("'function_body.a'"))
    }

    /// Names are compared by bytes, as RFC 8259 and PHP do, not by Unicode canonical equivalence
    /// as Swift's String does: both members survive, in order, byte for byte.
    @Test func canonicallyEquivalentKeysAreTwoMembers() throws {
        let precomposed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        let text = "{\"\(precomposed)\":1,\"\(decomposed)\":2}"
        let value = try JSONParser.parse(text)
        let object = try #require(value.objectValue)
        #expect(object.count == 2)
        #expect(object[precomposed] == .number("1"))
        #expect(object[decomposed] == .number("2"))
        #expect(value.serializedBytes == Array(text.utf8))
    }

    @Test func keepsTheOrderOfManyKeysAndFindsEachOne() throws {
        let names = (0..<5_000).reversed().map { "key\($0)" }
        let text = "{" + names.enumerated().map { #""\#($1)":\#($0)"# }.joined(separator: ",") + "}"
        let object = try #require(try JSONParser.parse(text).objectValue)
        #expect(object.keys == names)
        for (position, name) in names.enumerated() where position % 97 == 0 {
            #expect(object[name] == .number(String(position)))
        }
        #expect(JSONValue.object(object).serialized == text)
    }

    @Test(arguments: [
        "0", "-0", "-0.0", "1E+400", "-1e-400", "0.10", "123456789012345678901234567890", "1.5e0010",
        String(repeating: "9", count: 5_000) + "." + String(repeating: "0", count: 5_000) + "e-99999",
    ])
    func keepsNumberTextExactly(number: String) throws {
        let value = try JSONParser.parse("[\(number)]")
        #expect(value == .array([.number(number)]))
        #expect(value.serialized == "[\(number)]")
    }

    /// The serializer's exact bytes: compact, `/` and DEL and non-ASCII as they are, the short
    /// escapes where JSON has them, `\u00XX` in lower case for the other controls.
    @Test func serializesToTheSameBytesAsBefore() {
        let value: JSONValue = [
            "q\"b\\s/\u{7F}\u{08}\u{0C}\n\r\t\u{00}\u{1F}é😀\u{2028}",
            ["z": 1, "a": [true, false, nil], "": ""],
            .number("-1.50e+3"),
        ]
        let expected = #"["q\"b\\s/\#u{7F}\b\f\n\r\t\u0000\u001fé😀\#u{2028}",{"z":1,"a":[true,false,null],"":""},-1.50e+3]"#
        #expect(value.serialized == expected)
        #expect(value.serializedBytes == Array(expected.utf8))
    }

    /// How strings were written before the serializer worked on bytes (per scalar, into a
    /// String): the oracle for "same output, byte for byte".
    static func referenceSerialized(_ value: String) -> String {
        var output = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case let control where control.value < 0x20:
                let hex = String(control.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output + "\""
    }

    @Test func stringsSerializeExactlyAsThePerScalarReferenceDid() {
        var strings = (0..<0x80).map { String(Character(Unicode.Scalar(UInt8($0)))) }
        // A fixed linear congruential sequence: the same random strings on every run.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: UInt32) -> UInt32 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt32(truncatingIfNeeded: state >> 33) % bound
        }
        let ranges: [ClosedRange<UInt32>] = [0...0x7F, 0x80...0x7FF, 0x800...0xD7FF, 0xE000...0xFFFF, 0x10000...0x10FFFF]
        for _ in 0..<2_000 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<next(40) {
                let range = ranges[Int(next(UInt32(ranges.count)))]
                scalars.append(Unicode.Scalar(range.lowerBound + next(range.upperBound - range.lowerBound + 1))!)
            }
            strings.append(String(scalars))
        }
        for string in strings {
            let expected = Self.referenceSerialized(string)
            #expect(JSONValue.string(string).serialized == expected)
            #expect(JSONValue.object(JSONObject([(string, .string(string))])).serializedBytes == Array("{\(expected):\(expected)}".utf8))
        }
    }

    @Test func decodesLongStringsWithEscapesAndSurrogatePairs() throws {
        let unit = #"a\u00e9\ud83d\ude00\n\"\\\/\u4e2d"#
        let decoded = "a\u{E9}\u{1F600}\n\"\\/\u{4E2D}"
        let value = try JSONParser.parse("\"" + String(repeating: unit, count: 2_000) + "\"")
        #expect(value == .string(String(repeating: decoded, count: 2_000)))
        #expect(try JSONParser.parse(value.serialized) == value)
    }

    @Test(
        arguments: [
            ([0x61, 0xC0, 0x80], 1),  // overlong NUL
            ([0x61, 0x62, 0xED, 0xA0, 0x80], 2),  // an encoded surrogate
            ([0xF4, 0x90, 0x80, 0x80], 0),  // above U+10FFFF
            ([0x22, 0xE2, 0x82], 1),  // cut short at the end
            ([0x22, 0xE2, 0x28, 0xA1, 0x22], 1),  // bad continuation
            ([0x22, 0x80, 0x22], 1),  // a lone continuation byte
            ([0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], 1),
        ] as [([UInt8], Int)]
    )
    func refusesMalformedUTF8AtItsOffset(bytes: [UInt8], offset: Int) {
        #expect(throws: JSONParseError.invalidUTF8(offset: offset)) { try JSONParser.parse(bytes) }
    }

    @Test func acceptsEveryUTF8Length() throws {
        let text = "\"a\u{E9}\u{4E2D}\u{1F600}\u{10FFFF}\""
        #expect(try JSONParser.parse(text) == .string("a\u{E9}\u{4E2D}\u{1F600}\u{10FFFF}"))
    }

    @Test func buildingAnObjectKeepsTheFirstPositionAndTheLastValue() {
        var object = JSONObject([("a", 1), ("b", 2), ("a", 3)])
        #expect(object.keys == ["a", "b"])
        #expect(object["a"] == .number("3"))
        object["b"] = nil
        object["c"] = true
        #expect(object.entries.map(\.key) == ["a", "c"])
        #expect(object == JSONObject([("a", 3), ("c", true)]))
        #expect(object != JSONObject([("c", true), ("a", 3)]))
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
