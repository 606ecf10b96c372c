import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// `appwrite-bridge call`: one execution from a shell or cron, through a running bridge or
/// straight to Appwrite with bridge.yaml's key.
public enum OneShotCall {
    /// What the exit status says.
    public enum Outcome: Int32, Sendable {
        /// The execution completed and the function answered below 400.
        case succeeded = 0
        /// The call could not be made (configuration, network, refusal).
        case error = 1
        /// The execution ran but failed, or the function answered 400 or more.
        case functionFailed = 2
        /// Accepted but not finished yet: asynchronous without --wait, scheduled, or queued.
        case notFinished = 3
    }

    public struct Result: Sendable {
        public var outcome: Outcome
        /// What to print on standard output: the Execution, or the queue receipt.
        public var output: String
        /// What to print on standard error.
        public var message: String?
    }

    public static func outcome(of execution: JSONValue) -> Outcome {
        let status = execution["status"]?.stringValue ?? ""
        guard ExecutionTracker.finalStatuses.contains(status) else { return .notFinished }
        let code =
            execution["responseStatusCode"].flatMap { value -> Int? in
                if case .number(let text) = value { return Int(Double(text) ?? 0) }
                return nil
            } ?? 0
        return status == "completed" && code < 400 ? .succeeded : .functionFailed
    }

    /// Through a running bridge: the same payload an automation would send.
    public static func viaBridge(_ baseURL: String, projectID: String, payload: JSONValue, token: String?) async -> Result {
        let trimmed = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        var request = HTTPClientRequest(url: "\(trimmed)/api/services/appwrite/execute_function_\(projectID)?return_response")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.body = .bytes(ByteBuffer(bytes: payload.serializedBytes))
        do {
            let response = try await HTTPClient.shared.execute(
                request,
                timeout: .seconds(Int64(ExecuteFunctionPayload.maximumWaitSeconds + 60))
            )
            var buffer = try await response.body.collect(upTo: 64 << 20)
            let body = buffer.readString(length: buffer.readableBytes) ?? ""
            let json = (try? JSONParser.parse(body)) ?? .null
            switch response.status.code {
            case 200:
                let execution = json["service_response"] ?? .null
                return Result(outcome: outcome(of: execution), output: execution.serialized)
            case 202:
                return Result(
                    outcome: .notFinished,
                    output: body,
                    message: "queued in the bridge's outbox: \(json["reason"]?.stringValue ?? "")"
                )
            default:
                let message = ErrorLine.describe(status: Int(response.status.code), envelope: json, fallback: body)
                let retry = response.headers.first(name: "Retry-After").map { " (Retry-After: \($0) s)" } ?? ""
                return Result(outcome: .error, output: "", message: message + retry)
            }
        } catch {
            return Result(outcome: .error, output: "", message: "cannot reach the bridge at \(trimmed): \(AppwriteClient.describe(error))")
        }
    }

    /// Straight to Appwrite with the instance's key from bridge.yaml (no outbox: nothing runs
    /// later to deliver it).
    public static func direct(config: BridgeConfig, projectID: String, payload: JSONValue) async -> Result {
        guard let instance = config.instance(projectID: projectID) else {
            return Result(outcome: .error, output: "", message: "no instance with project ID '\(projectID)' in the configuration")
        }
        let call: ExecuteFunctionPayload.Call
        do {
            call = try ExecuteFunctionPayload.translateCall(payload)
        } catch {
            return Result(outcome: .error, output: "", message: "\(error.field.map { "\($0): " } ?? "")\(error.message)")
        }
        let httpClient = AppwriteClient.makeHTTPClient()
        let quiet = Logger(label: "appwrite-bridge-call") { _ in SwiftLogNoOpLogHandler() }
        let pipeline = ExecutionPipeline.standalone(client: AppwriteClient(httpClient: httpClient), logger: quiet)
        let result = await run(
            PipelineCall(origin: .commandLine, config: config, instance: instance, request: .execution(call.request), wait: call.wait),
            through: pipeline
        )
        try? await httpClient.shutdown()
        return result
    }

    private static func run(_ call: PipelineCall, through pipeline: ExecutionPipeline) async -> Result {
        do {
            switch try await pipeline.run(call) {
            case .answered(let response):
                let execution = response.json ?? .null
                return Result(outcome: outcome(of: execution), output: execution.serialized)
            case .unfinished(let response, _, _):
                return Result(
                    outcome: .notFinished,
                    output: response.json?.serialized ?? "",
                    message: "not finished within the wait timeout"
                )
            case .queued(let receipt):
                return Result(outcome: .notFinished, output: "", message: "queued: \(receipt.reason)")
            }
        } catch {
            return Result(outcome: .error, output: "", message: ErrorLine.describe(error))
        }
    }
}
