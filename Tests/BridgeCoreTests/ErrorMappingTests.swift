import Testing

@testable import BridgeCore

@Suite("Appwrite errors → bridge HTTP errors")
struct ErrorMappingTests {
    func rejected(_ status: Int, _ type: String, message: String = "m") -> BridgeError {
        let body = #"{"message":"\#(message)","code":\#(status),"type":"\#(type)","version":"1.9.6"}"#
        return .upstreamRejected(projectID: "p", response: AppwriteResponse(status: status, body: Array(body.utf8)))
    }

    @Test(arguments: [
        (404, "function_not_found", 404, "function_not_found"),
        (404, "deployment_not_found", 404, "deployment_not_found"),
        (400, "build_not_ready", 400, "build_not_ready"),
        (400, "general_argument_invalid", 400, "general_argument_invalid"),
        (400, "general_bad_request", 400, "general_bad_request"),
        (408, "function_synchronous_timeout", 408, "function_synchronous_timeout"),
        (429, "general_rate_limit_exceeded", 429, "appwrite_rate_limited"),
        (401, "user_unauthorized", 502, "instance_misconfigured"),
        (401, "project_key_expired", 502, "instance_misconfigured"),
        (401, "general_unauthorized_scope", 502, "instance_misconfigured"),
        (403, "project_id_missing", 502, "instance_misconfigured"),
        (404, "project_not_found", 502, "instance_misconfigured"),
        (500, "general_unknown", 502, "appwrite_error"),
        (503, "general_server_error", 502, "appwrite_error"),
    ])
    func upstreamMapping(upstream: Int, type: String, status: Int, code: String) {
        let error = rejected(upstream, type)
        #expect(error.statusCode == status)
        #expect(error.code == code)
    }

    @Test func headerQuirkGetsAReadableCode() {
        let error = rejected(400, "Invalid headers: Alphanumeric characters or hyphens only", message: "")
        #expect(error.code == "appwrite_rejected_call")
        #expect(error.statusCode == 400)
    }

    @Test func transportFailures() {
        #expect(BridgeError.upstreamFailed(projectID: "p", .timeout(seconds: 3)).statusCode == 504)
        #expect(BridgeError.upstreamFailed(projectID: "p", .timeout(seconds: 3)).code == "appwrite_timeout")
        #expect(BridgeError.upstreamFailed(projectID: "p", .unreachable("refused")).statusCode == 502)
        #expect(BridgeError.upstreamFailed(projectID: "p", .unreachable("refused")).code == "appwrite_unreachable")
    }

    @Test func localErrors() {
        #expect(BridgeError.invalidPayload(PayloadError(field: "function_id", "x")).statusCode == 400)
        #expect(BridgeError.invalidJSON(.invalidUTF8(offset: 0)).code == "invalid_utf8")
        #expect(BridgeError.unsupportedMediaType("text/plain").statusCode == 415)
        #expect(BridgeError.payloadTooLarge(limit: 1).statusCode == 413)
        #expect(BridgeError.unknownInstance("x").statusCode == 404)
        #expect(BridgeError.unauthorized("x").statusCode == 401)
    }

    @Test func instanceChecksClassifyAnswers() {
        let instance = InstanceConfig(projectID: "p", baseURL: "http://a/v1", apiKey: Secret("k"))
        func response(_ status: Int, _ type: String) -> AppwriteResponse {
            AppwriteResponse(status: status, body: Array(#"{"message":"m","code":\#(status),"type":"\#(type)"}"#.utf8))
        }
        #expect(InstanceChecker.healthProblem(response(401, "user_unauthorized"), instance: instance)?.state == .invalidKey)
        #expect(InstanceChecker.healthProblem(response(401, "project_key_expired"), instance: instance)?.state == .invalidKey)
        #expect(InstanceChecker.healthProblem(response(404, "project_not_found"), instance: instance)?.state == .projectNotFound)
        #expect(InstanceChecker.healthProblem(AppwriteResponse(status: 404, body: []), instance: instance)?.state == .error)
        #expect(
            InstanceChecker.healthProblem(AppwriteResponse(status: 200, body: Array(#"{"status":"pass"}"#.utf8)), instance: instance) == nil
        )
        #expect(InstanceChecker.scopeOutcome(response(400, "general_argument_invalid")).state == .ok)
        #expect(InstanceChecker.scopeOutcome(response(401, "general_unauthorized_scope")).state == .missingScope)
        #expect(InstanceChecker.scopeOutcome(response(500, "general_unknown")).state == .error)
    }

    @Test func returnResponseFlag() {
        #expect(ReturnResponseFlag.isSet(in: "return_response"))
        #expect(ReturnResponseFlag.isSet(in: "a=1&return_response=true"))
        #expect(!ReturnResponseFlag.isSet(in: "return_response=false"))
        #expect(!ReturnResponseFlag.isSet(in: nil))
        #expect(!ReturnResponseFlag.isSet(in: "return_responses"))
    }
}
