import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The Home Assistant-shaped JSON API. Every handler reads one `ConfigSnapshot` up front.
struct BridgeAPI {
    let state: BridgeState
    let executor: FunctionExecutor
    let reloader: ConfigReloader
    let metrics: BridgeMetrics

    func register(on router: Router<BridgeRequestContext>) {
        router.get("/healthz") { _, _ in JSONResponse.make(["status": "alive"]) }
        router.get("/readyz") { _, _ in readiness() }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition()))
            )
        }
        let api = router.group("api").add(middleware: TokenMiddleware(state: state))
        api.get("/") { _, _ in JSONResponse.make(["message": "API running."]) }
        api.get("services") { _, context in
            let visible = state.current.config.instances.filter { context.mayCall(instance: $0.projectID) }
            return JSONResponse.make(ServiceCatalog.describe(visible))
        }
        api.get("instances") { _, context in JSONResponse.make(instancesDocument { context.mayCall(instance: $0) }) }
        api.post("services/:domain/:action") { request, context in
            let action = context.parameters.get("action") ?? ""
            // Only configured actions get their own label: a scanner must not grow the registry.
            let label = state.current.config.instances.contains { $0.actionName == action } ? action : "unknown"
            do {
                let response = try await callAction(request: request, context: context)
                metrics.recordRequest(action: label, status: Int(response.status.code))
                return response
            } catch let error as BridgeError {
                metrics.recordRequest(action: label, status: error.statusCode)
                throw error
            }
        }
        api.post("reload") { _, _ in
            let outcome = await reloader.reload(trigger: "api")
            return JSONResponse.make(Self.describe(outcome), status: outcome.succeeded ? .ok : .unprocessableContent)
        }
    }

    private func callAction(request: Request, context: BridgeRequestContext) async throws -> Response {
        let snapshot = state.current
        let domain = try context.parameters.require("domain")
        let action = try context.parameters.require("action")
        guard domain == ActionName.domain else { throw BridgeError.unknownAction("\(domain).\(action)") }
        guard let projectID = ActionName.executeFunctionProjectID(action) else {
            throw BridgeError.unknownAction(action)
        }
        guard let instance = snapshot.config.instance(projectID: projectID) else {
            throw BridgeError.unknownInstance(projectID)
        }
        if let token = context.token, !token.instances.allows(projectID) {
            throw BridgeError.forbidden(tokenName: token.name, projectID: projectID)
        }
        let payload = try await RequestBody.json(request, limit: snapshot.config.limits.maximumBodyBytes)
        let execution: CreateExecutionRequest
        do {
            execution = try ExecuteFunctionPayload.translate(payload)
        } catch {
            throw BridgeError.invalidPayload(error)
        }
        if let token = context.token, !token.functions.allows(execution.functionID) {
            throw BridgeError.functionNotAllowed(functionID: execution.functionID, by: "token '\(token.name)'")
        }
        if !instance.functions.allows(execution.functionID) {
            throw BridgeError.functionNotAllowed(
                functionID: execution.functionID,
                by: "the functions list of instance '\(projectID)'"
            )
        }
        let result = try await executor.execute(execution, on: instance)
        guard ReturnResponseFlag.isSet(in: request.uri.query) else {
            return JSONResponse.make(bytes: Array("[]".utf8))
        }
        // Spliced, not re-encoded: the Execution reaches the caller byte for byte as Appwrite sent it.
        var body = Array(#"{"changed_states":[],"service_response":"#.utf8)
        body += result.body
        body.append(UInt8(ascii: "}"))
        return JSONResponse.make(bytes: body)
    }

    private func instancesDocument(visible: (String) -> Bool = { _ in true }) -> JSONValue {
        .array(
            state.current.config.instances.filter { visible($0.projectID) }.map { instance in
                let health = state.health(of: instance.projectID)
                return .object(
                    JSONObject([
                        ("project_id", .string(instance.projectID)),
                        ("name", .string(instance.name)),
                        ("url", .string(instance.baseURL)),
                        ("action", .string("\(ActionName.domain).\(instance.actionName)")),
                        ("state", .string(health.state.rawValue)),
                        ("reason", health.reason.map(JSONValue.string) ?? .null),
                        ("checked_at", health.checkedAt.map { .string(Timestamp.iso8601($0)) } ?? .null),
                    ])
                )
            }
        )
    }

    private func readiness() -> Response {
        let snapshot = state.current
        let instances = instancesDocument()
        let anyOK = snapshot.config.instances.contains { state.health(of: $0.projectID).state == .ok }
        let body: JSONValue = .object(
            JSONObject([
                ("ready", .bool(anyOK)),
                ("generation", .number(String(snapshot.generation))),
                ("summary", .string(state.summary)),
                ("instances", instances),
            ])
        )
        return JSONResponse.make(body, status: anyOK ? .ok : .serviceUnavailable)
    }

    static func describe(_ outcome: ReloadOutcome) -> JSONValue {
        var object = JSONObject([
            ("reloaded", .bool(outcome.succeeded)),
            ("generation", .number(String(outcome.generation))),
        ])
        if let error = outcome.error {
            object["error"] = .object(
                JSONObject([
                    ("code", "invalid_config"),
                    ("message", .string(error.description)),
                    ("file", .string(error.file)),
                    ("line", error.line.map { .number(String($0)) } ?? .null),
                    ("column", error.column.map { .number(String($0)) } ?? .null),
                ])
            )
        } else {
            object["added"] = .array(outcome.added.map(JSONValue.string))
            object["removed"] = .array(outcome.removed.map(JSONValue.string))
            object["changed"] = .array(outcome.changed.map(JSONValue.string))
            object["notes"] = .array(outcome.notes.map(JSONValue.string))
        }
        return .object(object)
    }
}
