import Foundation
import Testing

@testable import BridgeCore

@Suite("execute_function payload → createExecution")
struct PayloadTranslationTests {
    /// A fixed clock: 2030-01-01T12:00:00Z.
    let now = Date(timeIntervalSince1970: 1_893_499_200)

    func translate(_ json: String) throws(PayloadError) -> CreateExecutionRequest {
        try ExecuteFunctionPayload.translate(try! JSONParser.parse(json), now: now)
    }

    func failure(_ json: String) -> PayloadError? {
        do {
            _ = try translate(json)
            return nil
        } catch {
            return error
        }
    }

    @Test func onlyFunctionIDGivesEveryDefault() throws {
        let request = try translate(#"{"function_id": "send_report"}"#)
        #expect(request.functionID == "send_report")
        #expect(
            request.jsonBody.serialized == #"{"body":"","async":false,"path":"/","method":"GET","headers":{}}"#
        )
    }

    @Test func everyFieldIsTranslated() throws {
        let request = try translate(
            #"""
            {"function_id": "lights", "function_body": "on", "function_method": "post", "function_path": "/rooms?x=1",
             "function_headers": {"X-Source": "ha", "Accept": "text/plain"}, "function_async": true,
             "function_scheduled_at": "2030-01-01T14:05:00+02:00"}
            """#
        )
        #expect(request.functionID == "lights")
        #expect(
            request.jsonBody.serialized
                == #"{"body":"on","async":true,"path":"/rooms?x=1","method":"POST","headers":{"X-Source":"ha","Accept":"text/plain"},"scheduledAt":"2030-01-01T14:05:00+02:00"}"#
        )
    }

    @Test func jsonBodyIsSerialisedInOrder() throws {
        let request = try translate(#"{"function_id": "f", "function_body": {"z": 1.50, "a": [true, null, "x\n"]}}"#)
        #expect(request.body == #"{"z":1.50,"a":[true,null,"x\n"]}"#)
        #expect(try translate(#"{"function_id": "f", "function_body": 42}"#).body == "42")
        #expect(try translate(#"{"function_id": "f", "function_body": null}"#).body == "")
    }

    @Test(arguments: ["GET", "post", "Put", "PATCH", "delete", "OPTIONS", "head"])
    func methodsInAnyCase(method: String) throws {
        #expect(try translate(#"{"function_id": "f", "function_method": "\#(method)"}"#).method == method.uppercased())
    }

    @Test func scheduleImpliesAsync() throws {
        let request = try translate(#"{"function_id": "f", "function_scheduled_at": "2030-01-01T13:00:00Z"}"#)
        #expect(request.isAsync)
        #expect(request.scheduledAt == "2030-01-01T13:00:00Z")
        let explicit = try translate(
            #"{"function_id": "f", "function_async": true, "function_scheduled_at": "2030-01-01T13:00Z"}"#
        )
        #expect(explicit.isAsync)
    }

    /// Home Assistant's action form pre-fills every field with a default (async false, wait false,
    /// wait timeout 60): each combination a user makes from there means what they ticked.
    @Test func theFormsDefaultsAreAccepted() throws {
        let defaults = #""function_async": false, "function_wait": false, "function_wait_timeout": 60"#
        let plain = try ExecuteFunctionPayload.translateCall(try JSONParser.parse(#"{"function_id": "f", \#(defaults)}"#), now: now)
        #expect(!plain.request.isAsync && plain.wait == nil)

        let scheduled = try translate(
            #"{"function_id": "f", "function_async": false, "function_wait": false, "function_wait_timeout": 60, "function_scheduled_at": "2030-01-01T14:00:00+01:00"}"#
        )
        #expect(scheduled.isAsync && scheduled.scheduledAt == "2030-01-01T14:00:00+01:00")

        let waited = try ExecuteFunctionPayload.translateCall(
            try JSONParser.parse(#"{"function_id": "f", "function_async": false, "function_wait": true, "function_wait_timeout": 30}"#),
            now: now
        )
        #expect(waited.request.isAsync && waited.wait == .seconds(30))
    }

    @Test func asyncTakesAppwritesLooseBooleans() throws {
        for yes in [#""true""#, #""1""#, "1", "true"] {
            #expect(try translate(#"{"function_id": "f", "function_async": \#(yes)}"#).isAsync, "\(yes)")
        }
        for no in [#""false""#, #""0""#, "0", "false"] {
            #expect(try !translate(#"{"function_id": "f", "function_async": \#(no)}"#).isAsync, "\(no)")
        }
    }

    /// Appwrite counts code points (PHP's mb_strlen), not what a reader sees as characters.
    @Test func lengthsCountCodePoints() throws {
        let marks = String(repeating: "\u{301}", count: 300_000)
        let combining = try #require(failure(#"{"function_id": "f", "function_path": "/\#(marks)"}"#))
        #expect(combining.field == "function_path")
        let emoji = "/" + String(repeating: "😀", count: 2047)
        #expect(try translate(#"{"function_id": "f", "function_path": "\#(emoji)"}"#).path == emoji)
        let tooLong = try #require(failure(#"{"function_id": "f", "function_path": "\#(emoji)😀"}"#))
        #expect(tooLong.field == "function_path")
    }

    /// Appwrite's Headers validator adds bytes (strlen), and takes what PHP can print as text.
    @Test func headersAsAppwriteTakesThem() throws {
        let bytes = String(repeating: "é", count: 8192)
        let overBytes = try #require(failure(#"{"function_id": "f", "function_headers": {"A": "\#(bytes)"}}"#))
        #expect(overBytes.field == "function_headers")
        let scalars = try translate(#"{"function_id": "f", "function_headers": {"A": 1, "B": true, "C": false, "D": null}}"#)
        #expect(scalars.headers.map(\.value) == ["1", "1", "", ""])
        let text = try translate(#"{"function_id": "f", "function_headers": "{\"X-A\": \"b\"}"}"#)
        #expect(text.headers.map(\.name) == ["X-A"])
        #expect(try translate(#"{"function_id": "f", "function_headers": "not json"}"#).headers.isEmpty)
        #expect(try translate(#"{"function_id": "f", "function_headers": {"X-Appwrite-Trace": "t"}}"#).headers.count == 1)
    }

    @Test func schedulesAsPHPReadsThem() throws {
        #expect(
            try translate(#"{"function_id": "f", "function_scheduled_at": "2030-01-01T13:00:00"}"#).scheduledAt == "2030-01-01T13:00:00"
        )
        #expect(try translate(#"{"function_id": "f", "function_scheduled_at": "2030-01-02"}"#).isAsync)
        #expect(AppwriteRules.Schedule(parsing: "2031-02-30T10:00:00Z")?.date == AppwriteRules.Schedule(parsing: "2031-03-02T10:00Z")?.date)
        #expect(AppwriteRules.Schedule(parsing: "2031-01-01T10:00:60Z")?.isWholeMinute == true)
        #expect(AppwriteRules.Schedule(parsing: "2031-01-01T10:00:00.0004Z")?.isWholeMinute == true)
        #expect(AppwriteRules.Schedule(parsing: "tomorrow") == nil)
    }

    @Test(arguments: [
        (#"[]"#, nil as String?, "must be a JSON object"),
        (#"{}"#, "function_id", "function_id is required"),
        (#"{"function_id": 12}"#, "function_id", "must be a string"),
        (#"{"function_id": "_bad"}"#, "function_id", "not a valid Appwrite function ID"),
        (#"{"function_id": "a234567890123456789012345678901234567"}"#, "function_id", "not a valid Appwrite function ID"),
        (#"{"function_id": "f", "entity_id": "x", "extra": 1}"#, "entity_id", "unknown fields 'entity_id', 'extra'"),
        (#"{"function_id": "f", "function_method": "FETCH"}"#, "function_method", "is not one of"),
        (#"{"function_id": "f", "function_method": 1}"#, "function_method", "must be a string"),
        (#"{"function_id": "f", "function_path": ""}"#, "function_path", "1 to 2048"),
        (#"{"function_id": "f", "function_path": ["/"]}"#, "function_path", "must be a string"),
        (#"{"function_id": "f", "function_headers": 5}"#, "function_headers", "must be an object"),
        (#"{"function_id": "f", "function_headers": "[1]"}"#, "function_headers", "must be an object"),
        (#"{"function_id": "f", "function_headers": ""}"#, "function_headers", "1 to 65535"),
        (#"{"function_id": "f", "function_headers": {"X-Count": {"n": 3}}}"#, "function_headers.X-Count", "must be strings"),
        (#"{"function_id": "f", "function_headers": {"0": "a"}}"#, "function_headers", "is a number"),
        (#"{"function_id": "f", "function_headers": {"x-appwrite-key": "k"}}"#, "function_headers", "reserved"),
        (#"{"function_id": "f", "function_headers": {"Bad Header": "v"}}"#, "function_headers", "letters, digits and hyphens"),
        (#"{"function_id": "f", "function_headers": {"-x": "v"}}"#, "function_headers", "start and end"),
        (#"{"function_id": "f", "function_async": 2}"#, "function_async", "true or false"),
        (#"{"function_id": "f", "function_async": 1.0}"#, "function_async", "true or false"),
        (#"{"function_id": "f", "function_scheduled_at": "tomorrow"}"#, "function_scheduled_at", "ISO 8601"),
        (#"{"function_id": "f", "function_scheduled_at": "2030-13-01T13:00:00Z"}"#, "function_scheduled_at", "ISO 8601"),
        (#"{"function_id": "f", "function_scheduled_at": "2030-01-01T13:00:30Z"}"#, "function_scheduled_at", "seconds"),
        (#"{"function_id": "f", "function_scheduled_at": "2030-01-01T13:00:00.500Z"}"#, "function_scheduled_at", "seconds"),
        (#"{"function_id": "f", "function_scheduled_at": "2030-01-01T12:01:00Z"}"#, "function_scheduled_at", "more than 1 minute"),
        (#"{"function_id": "f", "function_scheduled_at": "2029-12-31T12:00:00Z"}"#, "function_scheduled_at", "more than 1 minute"),
        (#"{"function_id": "f", "function_scheduled_at": 1893499200}"#, "function_scheduled_at", "ISO 8601 string"),
        (#"{"function_id": "f", "function_wait_timeout": 901}"#, "function_wait_timeout", "1 to 900"),
        (#"{"function_id": "f", "function_wait": false, "function_wait_timeout": "60"}"#, "function_wait_timeout", "1 to 900"),
    ])
    func badPayloads(json: String, field: String?, message: String) throws {
        let error = try #require(failure(json))
        #expect(error.field == field)
        #expect(error.message.contains(message), "\(error.message)")
    }

    @Test func headerLimits() throws {
        let many = (0...100).map { #""H\#($0)": "v""# }.joined(separator: ",")
        let tooMany = try #require(failure(#"{"function_id": "f", "function_headers": {\#(many)}}"#))
        #expect(tooMany.message.contains("at most 100 headers"))
        let big = String(repeating: "v", count: 16_381)
        let tooBig = try #require(failure(#"{"function_id": "f", "function_headers": {"Big": "\#(big)"}}"#))
        #expect(tooBig.message.contains("fewer than 16384"))
        let fits = String(repeating: "v", count: 16_380)
        #expect(try translate(#"{"function_id": "f", "function_headers": {"A": "\#(fits)"}}"#).headers.count == 1)
    }

    @Test func bodyLengthLimit() throws {
        let limit = AppwriteRules.maximumBodyLength
        let atLimit = String(repeating: "a", count: limit)
        #expect(try translate(#"{"function_id": "f", "function_body": "\#(atLimit)"}"#).body.count == limit)
        let error = try #require(failure(#"{"function_id": "f", "function_body": "\#(atLimit)a"}"#))
        #expect(error.field == "function_body")
    }

    @Test func scheduleOffsets() {
        #expect(ScheduleTime(parsing: "2030-01-01T12:05:00+02:00")?.date == Date(timeIntervalSince1970: 1_893_499_200 - 7200 + 300))
        #expect(ScheduleTime(parsing: "2030-01-01T12:05:00-0130") != nil)
        #expect(ScheduleTime(parsing: "2030-02-30T12:05:00Z") == nil)
        #expect(ScheduleTime(parsing: "2030-01-01T24:00:00Z") == nil)
        #expect(ScheduleTime(parsing: "2030-01-01T12:05:00.000Z")?.isWholeMinute == true)
    }

    @Test func thousandsOfUnknownFieldsGetAShortError() throws {
        var object = JSONObject([("function_id", .string("f"))])
        for index in 0..<40_000 { object["stray_\(index)"] = .bool(true) }
        do {
            _ = try ExecuteFunctionPayload.translate(.object(object))
            Issue.record("40,000 unknown fields were accepted")
        } catch {
            #expect(error.field == "stray_0")
            #expect(error.message.contains("'stray_9' and 39990 more"), "\(error.message.prefix(300))")
            #expect(error.message.utf8.count < 1_000, "the error is \(error.message.utf8.count) bytes")
        }
    }
}
