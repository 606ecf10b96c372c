import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The Home Assistant-shaped JSON API. Every handler reads one `ConfigSnapshot` up front.
struct BridgeAPI {
    let state: BridgeState
    let executor: FunctionExecutor
    let reloader: ConfigReloader
    let metrics: BridgeMetrics
    let outbox: Outbox
    let limiters: ConcurrencyLimiters
    let tracker: ExecutionTracker
    /// The bridge's stable identity (`bridge_id`), kept in state_dir.
    let identity: String
    let logger: Logger

    var hub: BridgeEventHub { tracker.hub }

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
        api.get("/") { _, _ in
            JSONResponse.make(
                .object(
                    JSONObject([
                        ("message", "API running."), ("bridge_id", .string(identity)), ("version", .string(BridgeVersion.current)),
                    ])
                )
            )
        }
        api.get("services") { _, context in
            let visible = state.current.config.instances.filter { context.mayCall(instance: $0.projectID) }
            return JSONResponse.make(ServiceCatalog.describe(visible))
        }
        api.get("instances") { _, context in JSONResponse.make(instancesDocument { context.mayCall(instance: $0) }) }
        api.post("services/:domain/:action") { request, context in
            let action = context.parameters.get("action") ?? ""
            // Only configured actions get their own label: a scanner must not grow the registry.
            let label = state.current.config.target(ofAction: action) != nil ? action : "unknown"
            do {
                let response = try await callAction(request: request, context: context)
                metrics.recordRequest(action: label, status: Int(response.status.code))
                return response
            } catch let error as BridgeError {
                metrics.recordRequest(action: label, status: error.statusCode)
                throw error
            }
        }
        api.get("executions/:project/:function/:execution") { _, context in
            let projectID = try context.parameters.require("project")
            guard let instance = state.current.config.instance(projectID: projectID) else { throw BridgeError.unknownInstance(projectID) }
            guard context.mayCall(instance: projectID) else {
                throw BridgeError.forbidden(tokenName: context.token?.name ?? "", projectID: projectID)
            }
            let functionID = try context.parameters.require("function")
            let executionID = try context.parameters.require("execution")
            guard AppwriteRules.isValidID(functionID), AppwriteRules.isValidID(executionID) else {
                throw BridgeError.invalidPayload(PayloadError(field: nil, "function and execution IDs must be valid Appwrite IDs"))
            }
            let response: AppwriteResponse
            do {
                response = try await executor.client.getExecution(functionID: functionID, executionID: executionID, on: instance)
            } catch let error as AppwriteClientError {
                throw BridgeError.upstreamFailed(projectID: projectID, error)
            }
            guard response.status == 200 else { throw BridgeError.upstreamRejected(projectID: projectID, response: response) }
            return JSONResponse.make(bytes: response.body)
        }
        api.get("events") { request, context in
            // HEAD gets the stream's head only: a subscription would never be written or released.
            if request.method == .head {
                return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"])
            }
            let token = context.token
            let subscription = try subscribeToEvents(request: request) { projectID in token?.instances.allows(projectID) ?? true }
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                body: ResponseBody { writer in
                    defer { hub.unsubscribe(subscription) }
                    // A comment first, so clients (and proxies) see the stream is open at once.
                    try await writer.write(ByteBuffer(string: ": appwrite-bridge events\n\n"))
                    try await EventStream.write(subscription, to: &writer)
                    try await writer.finish(nil)
                }
            )
        }
        api.get("outbox") { request, context in
            let bodies = request.uri.queryParameters.get("bodies").map { ["", "1", "true", "yes"].contains($0.lowercased()) } ?? false
            let items = try await readOutbox { try await $0.all() }.filter { context.mayCall(instance: $0.projectID) }
            return JSONResponse.make(
                .object(
                    JSONObject([
                        ("pending", .number(String(items.count))),
                        ("items", .array(items.map { $0.document(includeBody: bodies) })),
                    ])
                )
            )
        }
        api.delete("outbox/:id") { _, context in
            guard let id = context.parameters.get("id").flatMap(Int64.init) else {
                throw BridgeError.outboxItemNotFound(-1)
            }
            guard let item = try await readOutbox({ try await $0.item(id: id) }) else {
                throw BridgeError.outboxItemNotFound(id)
            }
            if let token = context.token, !token.instances.allows(item.projectID) {
                throw BridgeError.forbidden(tokenName: token.name, projectID: item.projectID)
            }
            guard (try? await outbox.remove(id: id, outcome: "deleted")) != nil else {
                throw BridgeError.outboxItemNotFound(id)
            }
            logger.notice(
                "queued execution deleted through the API",
                metadata: [
                    "outbox_id": "\(id)", "project_id": "\(item.projectID)", "kind": "\(item.request.kind)",
                    "target_id": "\(item.request.targetID)",
                ]
            )
            return JSONResponse.make(.object(JSONObject([("deleted", .bool(true)), ("outbox_id", .number(String(id)))])))
        }
        storage.register(on: api)
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
        if let projectID = ActionName.uploadFileProjectID(action), snapshot.config.instance(projectID: projectID)?.storage != nil {
            return try await storage.uploadAction(projectID: projectID, request: request, context: context)
        }
        guard let target = snapshot.config.target(ofAction: action),
            let instance = snapshot.config.instance(projectID: target.projectID)
        else {
            if let projectID = ActionName.executeFunctionProjectID(action) { throw BridgeError.unknownInstance(projectID) }
            throw BridgeError.unknownAction(action)
        }
        if let token = context.token, !token.instances.allows(instance.projectID) {
            throw BridgeError.forbidden(tokenName: token.name, projectID: instance.projectID)
        }
        let payload = try await RequestBody.json(request, limit: snapshot.config.limits.maximumBodyBytes)
        let call: ExecuteFunctionPayload.Call
        do {
            switch target {
            case .executeFunction:
                call = try ExecuteFunctionPayload.translateCall(payload)
            case .executeConfigured(_, let functionID):
                let configured = instance.functionAction(functionID)
                call = try ExecuteFunctionPayload.translateCall(
                    Self.merge(payload, under: configured?.defaults ?? JSONObject(), functionID: functionID)
                )
            case .sendMessage(_, let kind):
                let message = try MessagePayload.translate(payload, kind: kind)
                return try await send(message, to: instance, returnResponse: ReturnResponseFlag.isSet(in: request.uri.query))
            }
        } catch let error as PayloadError {
            throw BridgeError.invalidPayload(error)
        }
        let execution = call.request
        if let url = call.callbackURL, !snapshot.config.allowsCallback(to: url) { throw BridgeError.callbackNotAllowed(url) }
        if call.wait != nil, let read = state.health(of: instance.projectID).read, read.state == .missingScope {
            throw BridgeError.waitUnavailable(projectID: instance.projectID, reason: read.reason ?? "the API key lacks executions.read")
        }
        if let token = context.token, !token.functions.allows(execution.functionID) {
            throw BridgeError.functionNotAllowed(functionID: execution.functionID, by: "token '\(token.name)'")
        }
        if !instance.functions.allows(execution.functionID) {
            throw BridgeError.functionNotAllowed(
                functionID: execution.functionID,
                by: "the functions list of instance '\(instance.projectID)'"
            )
        }
        if execution.isAsync, call.wait == nil, outbox.hasPending(projectID: instance.projectID) {
            return try await queue(.execution(execution), instance: instance, reason: Self.behindQueueReason)
        }
        let result: AppwriteResponse
        do {
            result = try await limited(instance: instance, functionID: execution.functionID) {
                try await executor.execute(execution, on: instance)
            }
        } catch let error as BridgeError {
            // Fire-and-forget calls survive an outage: nobody waits for the Execution, so it is
            // stored and delivered later instead of lost. Synchronous calls fail fast instead.
            // A caller who waits for the result is waiting: like a synchronous call, no queue.
            guard execution.isAsync, call.wait == nil, let reason = Self.outboxReason(for: error) else { throw error }
            return try await queue(.execution(execution), instance: instance, reason: reason)
        }
        tracker.created(
            result,
            functionID: execution.functionID,
            instance: instance,
            callbackURL: call.callbackURL,
            willWait: call.wait != nil
        )
        if let wait = call.wait, case .object(let created)? = result.json, let executionID = created["$id"]?.stringValue,
            !ExecutionTracker.finalStatuses.contains(created["status"]?.stringValue ?? "")
        {
            guard
                let final = try await tracker.follow(
                    functionID: execution.functionID,
                    executionID: executionID,
                    lastStatus: created["status"]?.stringValue ?? "",
                    instance: instance,
                    limit: wait
                )
            else {
                throw BridgeError.waitTimedOut(executionID: executionID, seconds: Int(wait.components.seconds))
            }
            if let url = call.callbackURL {
                Task { [tracker] in await tracker.deliverCallback(body: final.body, to: url, executionID: executionID) }
            }
            return Self.answer(final, returnResponse: true)
        }
        return Self.answer(result, returnResponse: ReturnResponseFlag.isSet(in: request.uri.query))
    }

    /// Messages go through the outbox whenever Appwrite cannot take them: a notification lost in
    /// an outage is exactly what users fear, and nobody waits for the Message object.
    private func send(_ message: CreateMessageRequest, to instance: InstanceConfig, returnResponse: Bool) async throws -> Response {
        if outbox.hasPending(projectID: instance.projectID) {
            return try await queue(.message(message), instance: instance, reason: Self.behindQueueReason)
        }
        let result: AppwriteResponse
        do {
            result = try await limited(instance: instance, functionID: nil) {
                try await executor.send(message, on: instance)
            }
        } catch let error as BridgeError {
            guard let reason = Self.outboxReason(for: error) else { throw error }
            return try await queue(.message(message), instance: instance, reason: reason)
        }
        return Self.answer(result, returnResponse: returnResponse)
    }

    /// Home Assistant's answer: `[]`, or the Appwrite object spliced in byte for byte.
    private static func answer(_ result: AppwriteResponse, returnResponse: Bool) -> Response {
        guard returnResponse else { return JSONResponse.make(bytes: Array("[]".utf8)) }
        var body = Array(#"{"changed_states":[],"service_response":"#.utf8)
        body += result.body
        body.append(UInt8(ascii: "}"))
        return JSONResponse.make(bytes: body)
    }

    /// Runs an upstream call inside the instance's and the function's concurrency limits.
    private func limited(
        instance: InstanceConfig,
        functionID: String?,
        _ body: () async throws -> AppwriteResponse
    ) async throws -> AppwriteResponse {
        do {
            return try await limiters.run(instance: instance, functionID: functionID, body)
        } catch let refusal as LimitRefusal {
            throw BridgeError.overloaded(
                limit: refusal.label,
                rejection: refusal.rejection,
                retryAfterSeconds: Int(refusal.limit.queueTimeoutSeconds.rounded(.up))
            )
        }
    }

    /// A configured function's action: its defaults under the caller's payload (headers merged,
    /// the caller's winning), and its function ID, which the caller may not change.
    static func merge(_ payload: JSONValue, under defaults: JSONObject, functionID: String) throws(PayloadError) -> JSONValue {
        guard case .object(let given) = payload else {
            throw PayloadError(field: nil, "the payload must be a JSON object, got \(payload.typeName)")
        }
        if given["function_id"] != nil {
            throw PayloadError(field: "function_id", "this action always runs '\(functionID)'; leave function_id out")
        }
        var merged = defaults
        for (key, value) in given.entries {
            if key == "function_headers", case .object(let callerHeaders) = value,
                case .object(let defaultHeaders)? = defaults["function_headers"]
            {
                let overridden = Set(callerHeaders.keys.map { $0.lowercased() })
                let kept = defaultHeaders.entries.filter { !overridden.contains($0.key.lowercased()) }
                merged[key] = .object(JSONObject(kept + callerHeaders.entries))
            } else {
                merged[key] = value
            }
        }
        merged["function_id"] = .string(functionID)
        return .object(merged)
    }

    static let behindQueueReason = "earlier calls for this instance are still queued"

    /// Why a failed asynchronous call is worth queueing, or nil when retrying cannot help.
    static func outboxReason(for error: BridgeError) -> String? {
        switch error {
        case .upstreamFailed(_, let failure):
            return failure.reason
        case .upstreamRejected(_, let response):
            guard Outbox.retryableStatuses.contains(response.status) else { return nil }
            return "Appwrite answered HTTP \(response.status)" + (response.error.map { " \($0.type)" } ?? "")
        default:
            return nil
        }
    }

    private func queue(_ item: OutboxRequest, instance: InstanceConfig, reason: String) async throws -> Response {
        let id: Int64
        do {
            id = try await outbox.enqueue(item, projectID: instance.projectID, reason: reason)
        } catch {
            logger.error(
                "\(item.kind) lost: Appwrite is unreachable and the outbox cannot store it",
                metadata: [
                    "project_id": "\(instance.projectID)", "kind": "\(item.kind)", "target_id": "\(item.targetID)", "error": "\(error)",
                ]
            )
            throw BridgeError.outboxUnavailable(projectID: instance.projectID, reason: "\(error)")
        }
        logger.notice(
            "\(item.kind) queued in the outbox",
            metadata: [
                "outbox_id": "\(id)", "project_id": "\(instance.projectID)", "kind": "\(item.kind)", "target_id": "\(item.targetID)",
                "reason": "\(reason)",
            ]
        )
        let body: JSONValue = .object(
            JSONObject([
                ("queued", .bool(true)),
                ("outbox_id", .number(String(id))),
                ("project_id", .string(instance.projectID)),
                (item.kind == "execution" ? "function_id" : "message_id", .string(item.targetID)),
                ("reason", .string(reason)),
            ])
        )
        return JSONResponse.make(body, status: .accepted)
    }

    private func readOutbox<T>(_ read: (OutboxStore) async throws -> T) async throws -> T {
        do {
            return try await read(outbox.store)
        } catch {
            throw BridgeError.internalError("cannot read the outbox: \(error)")
        }
    }

    private func instancesDocument(visible: (String) -> Bool = { _ in true }) -> JSONValue {
        // The response stays an array, so each entry carries the bridge-wide reload state.
        let reload = state.reloadDocument
        return .array(
            state.current.config.instances.filter { visible($0.projectID) }.map { instance in
                InstanceDocument.make(
                    instance,
                    health: state.health(of: instance.projectID),
                    outboxPending: outbox.pending(projectID: instance.projectID),
                    reload: reload
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
                ("reload", state.reloadDocument),
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
