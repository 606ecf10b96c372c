import ArgumentParser
import BridgeCore
import Foundation

struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Run one Appwrite Function execution, from a shell or cron.",
        discussion: """
            Through a running bridge with --via, or straight to Appwrite with the key from --config.
            Prints the Execution as JSON. Exit status: 0 completed with responseStatusCode below 400,
            1 the call failed, 2 the execution failed or the function answered 400 or more,
            3 accepted but not finished (asynchronous without --wait, scheduled, or queued).
            """
    )

    @Argument(help: "The instance's project ID.")
    var projectID: String

    @Argument(help: "The function ID.")
    var functionID: String

    @Option(help: "Request body the function sees.")
    var body: String?

    @Option(help: "HTTP method the function sees (default GET).")
    var method: String?

    @Option(help: "Path (and query) the function sees (default /).")
    var path: String?

    @Option(name: .customLong("header"), help: "A header the function sees, as Name=value (repeatable).")
    var headers: [String] = []

    @Flag(name: .customLong("async"), help: "Queue the execution and return at once.")
    var isAsync = false

    @Option(help: "Run at this ISO 8601 time (whole minutes, more than a minute ahead).")
    var at: String?

    @Option(help: "Run after this long: 90s, 15m, 2h (rounded up to the next whole minute).")
    var `in`: String?

    @Flag(help: "Run asynchronously and wait for the final Execution.")
    var wait = false

    @Option(help: "Seconds to wait with --wait (1 to 900, default 60).")
    var waitTimeout: Int?

    @OptionGroup var route: RouteOptions

    func validate() throws {
        if at != nil && `in` != nil { throw ValidationError("give --at or --in, not both") }
        for header in headers where !header.contains("=") { throw ValidationError("--header takes Name=value, got '\(header)'") }
    }

    func payload() -> JSONValue {
        var object = JSONObject([("function_id", .string(functionID))])
        if let body { object["function_body"] = .string(body) }
        if let method { object["function_method"] = .string(method) }
        if let path { object["function_path"] = .string(path) }
        if !headers.isEmpty {
            object["function_headers"] = .object(
                JSONObject(
                    headers.map { header in
                        let parts = header.split(separator: "=", maxSplits: 1)
                        return (String(parts[0]), .string(parts.count > 1 ? String(parts[1]) : ""))
                    }
                )
            )
        }
        if isAsync { object["function_async"] = .bool(true) }
        if let at { object["function_scheduled_at"] = .string(at) }
        if let `in` { object["function_scheduled_in"] = .string(`in`) }
        if wait { object["function_wait"] = .bool(true) }
        if let waitTimeout { object["function_wait_timeout"] = .number(String(waitTimeout)) }
        return .object(object)
    }

    func run() async throws {
        let result: OneShotCall.Result
        if let via = route.via {
            result = await OneShotCall.viaBridge(
                via,
                projectID: projectID,
                payload: payload(),
                token: route.resolvedToken
            )
        } else {
            let bridgeConfig = try route.loadConfig()
            result = await OneShotCall.direct(config: bridgeConfig, projectID: projectID, payload: payload())
        }
        if !result.output.isEmpty { print(result.output) }
        if let message = result.message { printError("appwrite-bridge call: \(message)") }
        if result.outcome != .succeeded { throw ExitCode(result.outcome.rawValue) }
    }
}
