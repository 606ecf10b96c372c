import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// createExecution, getExecution and listExecutions
/// (src/Appwrite/Platform/Modules/Functions/Http/Executions/{Create,Get,XList}.php).
extension SimulatorAPI {
    static let writeScopes = ["executions.write", "execution.write"]
    static let readScopes = ["executions.read", "execution.read"]
    /// FUNCTION_ALLOWLIST_HEADERS_REQUEST / _RESPONSE (app/init/constants.php): what is stored.
    static let storedRequestHeaders: Set<String> = ["content-type", "agent", "content-length", "host", "x-appwrite-client-ip"]
    static let storedResponseHeaders: Set<String> = ["content-type", "content-length"]

    func registerExecutions(on router: Router<BasicRequestContext>) {
        router.post("/v1/functions/:functionId/executions") { request, context in
            try await createExecution(request, context: context)
        }
        router.get("/v1/functions/:functionId/executions/:executionId") { request, context in
            let access = try access(request, anyOf: Self.readScopes, user: try await sessionUser(request))
            let functionID = try context.parameters.require("functionId")
            let executionID = try context.parameters.require("executionId")
            guard UtopiaValidators.uid(functionID) else {
                throw AppwriteError.argumentInvalid("functionId", UtopiaValidators.uidDescription)
            }
            guard UtopiaValidators.uid(executionID) else {
                throw AppwriteError.argumentInvalid("executionId", UtopiaValidators.uidDescription)
            }
            _ = try function(functionID, for: access)
            guard let execution = await state.execution(projectID: access.projectID, id: executionID), execution.functionID == functionID,
                Self.canRead(execution, access)
            else { throw AppwriteError.executionNotFound }
            return try encode(execution.stored, status: .ok)
        }
        router.get("/v1/functions/:functionId/executions") { request, context in
            let access = try access(request, anyOf: Self.readScopes, user: try await sessionUser(request))
            let functionID = try context.parameters.require("functionId")
            guard UtopiaValidators.uid(functionID) else {
                throw AppwriteError.argumentInvalid("functionId", UtopiaValidators.uidDescription)
            }
            let query = try ExecutionQuery(request.uri.query)
            _ = try function(functionID, for: access)
            let all = await state.executions(projectID: access.projectID).filter { $0.functionID == functionID && Self.canRead($0, access) }
            let (page, total) = query.apply(to: all)
            return try encode(ExecutionList(total: query.includeTotal ? total : 0, executions: page.map(\.stored)), status: .ok)
        }
    }

    struct ExecutionList: Encodable {
        var total: Int
        var executions: [Execution]
    }

    func createExecution(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let access = try access(request, anyOf: Self.writeScopes, user: try await sessionUser(request))
        let functionID = try context.parameters.require("functionId")
        guard UtopiaValidators.uid(functionID) else { throw AppwriteError.argumentInvalid("functionId", UtopiaValidators.uidDescription) }
        let parameters = try ExecutionParameters(try await requestParameters(request))

        let function = try function(functionID, for: access)
        guard function.deployment else { throw AppwriteError.deploymentNotFound }
        guard function.buildReady else { throw AppwriteError.buildNotReady }
        if access.user != nil {
            let roles = access.roles
            guard function.execute.contains(where: roles.contains) else {
                throw CallerRoles(roles: roles).refusal("execute", granted: function.execute)
            }
        } else if !access.isKey, !function.execute.contains(where: { $0 == "any" || $0 == "guests" }) {
            throw AppwriteError.executeNotPermitted(function.execute)
        }

        let scheduledAt = parameters.scheduledAt.flatMap(PHPDateTime.init(parsing:)).map { AppwriteDate.string($0.date) }
        let clientIP = Self.clientIP(request, context: context)
        let kept =
            parameters.headers.filter { Self.storedRequestHeaders.contains($0.0.lowercased()) } + [("x-appwrite-client-ip", clientIP)]
        var execution = Execution(
            id: Self.newID(),
            createdAt: AppwriteDate.string(Date()),
            functionID: functionID,
            deploymentID: "deployment-\(functionID)",
            trigger: scheduledAt == nil ? "http" : "schedule",
            status: scheduledAt == nil ? (parameters.isAsync ? "waiting" : "processing") : "scheduled",
            requestMethod: parameters.method,
            requestPath: parameters.path,
            requestHeaders: kept.map { Execution.Header(name: $0.0, value: $0.1) },
            scheduledAt: scheduledAt
        )
        // Create.php: a user's run is readable by that user, and so published to Realtime.
        if let user = access.user { execution.permissions = [#"read("user:\#(user.id)")"#] }
        let projectID = access.projectID
        let realtime = state.realtime
        if parameters.isAsync {
            await state.store(execution, projectID: projectID)
            let waiting = execution
            await realtime.publish(RealtimeEvents.execution(.create, waiting, projectID: projectID))
            if scheduledAt == nil {
                Task { [state, execution] in
                    var running = execution
                    running.status = "processing"
                    running.updatedAt = AppwriteDate.string(Date())
                    await state.store(running, projectID: projectID)
                    let processing = running
                    await realtime.publish(RealtimeEvents.execution(.update, processing, projectID: projectID))
                    let finished = try await Self.run(function, parameters, execution: running)
                    await state.store(finished.stored, projectID: projectID)
                    await realtime.publish(RealtimeEvents.execution(.update, finished.stored, projectID: projectID))
                }
            }
            return try encode(execution, status: .accepted)
        }
        guard function.sleepSeconds <= config.syncTimeoutSeconds else {
            // Appwrite stores the execution as failed (500) in its `finally`, then answers 408.
            let started = Date()
            try await Task.sleep(for: .seconds(config.syncTimeoutSeconds))
            execution.status = "failed"
            execution.responseStatusCode = 500
            execution.duration = Date().timeIntervalSince(started)
            await state.store(execution, projectID: projectID)
            throw AppwriteError.syncTimeout
        }
        var finished = try await Self.run(function, parameters, execution: execution)
        await state.store(finished.stored, projectID: projectID)
        let stored = finished.stored
        await realtime.publish(RealtimeEvents.execution(.create, stored, projectID: projectID))
        // Only the synchronous reply carries the body, and every response header of the function.
        finished.responseHeaders.append(.init(name: "x-appwrite-execution-id", value: finished.id))
        return try encode(finished, status: .created)
    }

    /// The parameters of a request as Appwrite's HTTP layer reads them (utopia-php/http's Swoole
    /// Request::generateInput): POST bodies are only parsed with a media type of exactly
    /// `application/json`; a body that does not decode to an object gives no parameters at all.
    func requestParameters(_ request: Request) async throws -> [String: PHPValue] {
        var request = request
        let buffer = try await request.collectBody(upTo: 12 * 1024 * 1024)
        let contentType = request.headers[.contentType] ?? ""
        let mediaType = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard mediaType == "application/json", case .object(let entries)? = PHPJSONDecoder.decode(Array(buffer.readableBytesView))
        else { return [:] }
        return Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
    }

    static func clientIP(_ request: Request, context: BasicRequestContext) -> String {
        if let forwarded = request.headers[HTTPField.Name("X-Forwarded-For")!]?.split(separator: ",").first {
            return forwarded.trimmingCharacters(in: .whitespaces)
        }
        return (context as? any RemoteAddressRequestContext)?.remoteAddress?.ipAddress ?? "127.0.0.1"
    }
}

extension SimulatorAPI {
    /// A user reads only executions whose read permissions name one of its roles.
    static func canRead(_ execution: Execution, _ access: Access) -> Bool {
        guard access.user != nil else { return true }
        return PermissionRules.roles(execution.permissions, action: "read").contains(where: access.roles.contains)
    }
}

extension Execution {
    /// What the database keeps and Get/List answer: no response body, only allowlisted response headers.
    var stored: Execution {
        var copy = self
        copy.responseBody = ""
        copy.responseHeaders = responseHeaders.filter { SimulatorAPI.storedResponseHeaders.contains($0.name.lowercased()) }
        return copy
    }
}
