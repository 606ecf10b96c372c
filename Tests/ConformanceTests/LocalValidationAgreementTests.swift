import BridgeCore
import Foundation
import Testing

/// The bridge's own check of the execute_function payload must agree with the simulator on every
/// rule it pre-checks: a payload is refused locally exactly when Appwrite would refuse the same
/// parameters, and what the bridge sends for an accepted payload is accepted.
///
/// Each case is createExecution's parameters; the payload is the same fields under their
/// execute_function names. Left out, because the bridge changes them on purpose: method case
/// (the payload takes any case), a schedule without async or with async false (the payload's
/// schedule implies async, overruling the false Home Assistant's form pre-fills), non-string
/// bodies (serialised) and nulls (absent).
@Suite("local validation agrees with the simulator")
struct LocalValidationAgreementTests {
    static func cases() -> [String] {
        let bulky = String(repeating: "\u{1}", count: 12_000)
        return [
            "{}", #"{"async": "1"}"#, #"{"async": "0"}"#, #"{"async": 1}"#, #"{"async": 0}"#, #"{"async": "true"}"#,
            #"{"async": "yes"}"#, #"{"async": 1.0}"#, #"{"async": 2}"#, #"{"async": "TRUE"}"#,
            #"{"path": ""}"#, #"{"path": 5}"#, #"{"path": "/\#(String(repeating: "x", count: 2047))"}"#,
            #"{"path": "/\#(String(repeating: "x", count: 2048))"}"#, #"{"path": "/\#(String(repeating: "é", count: 2047))"}"#,
            #"{"path": "/\#(String(repeating: "\u{301}", count: 2048))"}"#, #"{"path": "/\#(String(repeating: "😀", count: 2047))"}"#,
            #"{"body": "text"}"#, #"{"method": "HEAD"}"#, #"{"method": "FETCH"}"#, #"{"method": 5}"#,
            #"{"headers": {}}"#, #"{"headers": []}"#, #"{"headers": ["a"]}"#, #"{"headers": true}"#, #"{"headers": 0}"#,
            #"{"headers": {"X-A": "b"}}"#, #"{"headers": {"x-appwrite-key": "k"}}"#, #"{"headers": {"X-Appwrite-Key": "k"}}"#,
            #"{"headers": {"a b": "c"}}"#, #"{"headers": {"-a": "b"}}"#, #"{"headers": {"a-": "b"}}"#, #"{"headers": {"a_b": "c"}}"#,
            #"{"headers": {"ä": "c"}}"#, #"{"headers": {"0": "a"}}"#, #"{"headers": {"1": "a"}}"#, #"{"headers": {"01": "a"}}"#,
            #"{"headers": {"A": 1, "B": true, "C": false, "D": null, "E": 1.5}}"#, #"{"headers": {"A": {"b": "c"}}}"#,
            #"{"headers": {"A": ["b"]}}"#,
            #"{"headers": {\#((0..<100).map { "\"H\($0)\": \"v\"" }.joined(separator: ","))}}"#,
            #"{"headers": {\#((0...100).map { "\"H\($0)\": \"v\"" }.joined(separator: ","))}}"#,
            #"{"headers": {"A": "\#(String(repeating: "v", count: 16_382))"}}"#,
            #"{"headers": {"A": "\#(String(repeating: "v", count: 16_383))"}}"#,
            #"{"headers": {"A": "\#(String(repeating: "é", count: 8191))"}}"#,
            #"{"headers": {"A": "\#(String(repeating: "é", count: 8192))"}}"#,
            #"{"headers": {"A": "\#(bulky.unicodeScalars.map { String(format: "\\u%04x", $0.value) }.joined())"}}"#,
            #"{"headers": "{\"A\": \"\#(bulky.unicodeScalars.map { String(format: "\\\\u%04x", $0.value) }.joined())\"}"}"#,
            #"{"headers": "{\"X-A\": \"b\"}"}"#, #"{"headers": "not json"}"#, #"{"headers": ""}"#, #"{"headers": "[1]"}"#,
            #"{"headers": "[]"}"#, #"{"headers": "null"}"#, #"{"headers": "false"}"#, #"{"headers": "true"}"#, #"{"headers": "0"}"#,
            #"{"headers": "\"x\""}"#, #"{"headers": "{\"x-appwrite-a\": \"b\"}"}"#,
            #"{"async": true, "scheduledAt": "\#(futureMinute(10))"}"#,
            #"{"async": true, "scheduledAt": "\#(futureMinute(10, suffix: ""))"}"#,
            #"{"async": true, "scheduledAt": "\#(futureMinute(10, suffix: "+00:00"))"}"#,
            #"{"async": true, "scheduledAt": "\#(futureMinute(10, suffix: ".000Z"))"}"#,
            #"{"async": true, "scheduledAt": "\#(futureMinute(10, suffix: ".0004Z"))"}"#,
            #"{"async": true, "scheduledAt": "\#(futureMinute(10, suffix: ".5Z"))"}"#,
            #"{"async": true, "scheduledAt": "\#(futureMinute(10, seconds: 1))"}"#,
            #"{"async": true, "scheduledAt": "\#(futureMinute(1))"}"#, #"{"async": true, "scheduledAt": "\#(futureMinute(2))"}"#,
            #"{"async": true, "scheduledAt": "2000-01-01T00:00:00Z"}"#, #"{"async": true, "scheduledAt": "tomorrow"}"#,
            #"{"async": true, "scheduledAt": "2031-02-30T10:00:00Z"}"#, #"{"async": true, "scheduledAt": "2031-13-01T10:00:00Z"}"#,
            #"{"async": true, "scheduledAt": "2031-01-01"}"#, #"{"async": true, "scheduledAt": "2031-01-01T24:00:00Z"}"#,
            #"{"async": true, "scheduledAt": "2031-01-01T10:00:60Z"}"#, #"{"async": true, "scheduledAt": "2031-01-01 10:00"}"#,
            #"{"async": true, "scheduledAt": "2031-01-01T10:00:00+05:30"}"#, #"{"async": true, "scheduledAt": ""}"#,
            #"{"async": true, "scheduledAt": "0"}"#, #"{"async": true, "scheduledAt": 5}"#,
            #"{"async": true, "scheduledAt": "2031-01-01T10:00:00.\#(String(repeating: "0", count: 90))Z"}"#,
            #"{"async": "1", "scheduledAt": "2031-01-01T10:00:00Z"}"#,
        ]
    }

    static let functionIDs = [
        "echo", "_bad", ".bad", "-bad", "$id", "a.b-c_d", "0abc", String(repeating: "a", count: 36), String(repeating: "a", count: 37),
        "a b", "ä", "unique()",
    ]

    @Test func functionIDsAgree() async throws {
        try await Conformance.withSimulator { port, _ in
            for id in Self.functionIDs {
                let local = (try? ExecuteFunctionPayload.translate(["function_id": .string(id)])) != nil
                let path = id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["$"])) ?? id
                let direct = try await Exchange.send(
                    "POST",
                    "http://127.0.0.1:\(port)/v1/functions/\(path)/executions",
                    project: "conf1",
                    key: Conformance.fullKey,
                    body: "{}"
                )
                #expect(local == Self.accepted(direct), "\(id): local \(local), simulator \(direct.status) \(direct.text.prefix(200))")
            }
        }
    }

    static let fields = [
        "body": "function_body", "async": "function_async", "path": "function_path", "method": "function_method",
        "headers": "function_headers", "scheduledAt": "function_scheduled_at",
    ]

    /// Accepted: created (201/202), or only the function's absence stood in the way.
    static func accepted(_ exchange: Exchange) -> Bool {
        [201, 202].contains(exchange.status) || exchange.json["type"] == "function_not_found"
    }

    @Test func acceptedLocallyExactlyWhenTheSimulatorAccepts() async throws {
        try await Conformance.withSimulator { port, _ in
            let url = "http://127.0.0.1:\(port)/v1/functions/echo/executions"
            for params in Self.cases() {
                let parsed = try JSONParser.parse(params)
                var payload = JSONObject([("function_id", "echo")])
                for (key, value) in parsed.objectValue?.entries ?? [] { payload[Self.fields[key] ?? key] = value }
                let local: Result<CreateExecutionRequest, PayloadError>
                do throws(PayloadError) {
                    local = .success(try ExecuteFunctionPayload.translate(.object(payload)))
                } catch {
                    local = .failure(error)
                }
                let direct = try await Exchange.send("POST", url, project: "conf1", key: Conformance.fullKey, body: params)
                let label = String(params.prefix(120))
                switch local {
                case .success(let request):
                    #expect(Self.accepted(direct), "accepted locally, refused by the simulator: \(label) → \(direct.text.prefix(300))")
                    let sent = try await Exchange.send(
                        "POST",
                        url,
                        project: "conf1",
                        key: Conformance.fullKey,
                        body: request.jsonBody.serialized
                    )
                    #expect(Self.accepted(sent), "the bridge's request was refused: \(label) → \(sent.text.prefix(300))")
                case .failure(let error):
                    #expect(!Self.accepted(direct), "refused locally (\(error.message)), accepted by the simulator: \(label)")
                }
            }
        }
    }
}
