import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Builds the simulated Appwrite server: `/v1/health`, `/v1/health/version`, create, get and list
/// executions, create push, email and SMS messages and get one, plus `/_simulator/requests` for
/// tests to see what arrived.
public func buildSimulatorApplication(
    state: SimulatorState,
    host: String = "127.0.0.1",
    port: Int = 0,
    logger: Logger = Logger(label: "appwrite-simulator"),
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router()
    router.add(middleware: RecordingMiddleware(state: state))
    let api = SimulatorAPI(state: state, config: state.config)
    api.register(on: router)
    return Application(
        router: router,
        configuration: .init(address: .hostname(host, port: port), serverName: "appwrite-simulator"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
        logger: logger
    )
}

/// Records every request (but the inspection routes) with its raw body, then answers errors in
/// Appwrite's envelope.
struct RecordingMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let state: SimulatorState

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var request = request
        let version = state.config.version
        if !request.uri.path.hasPrefix("/_simulator") {
            let buffer = try await request.collectBody(upTo: 16 * 1024 * 1024)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            await state.record(
                RecordedRequest(
                    method: request.method.rawValue,
                    path: request.uri.description,
                    headers: headers,
                    body: String(buffer: buffer),
                    receivedAt: AppwriteDate.string(Date())
                )
            )
        }
        do {
            return try await next(request, context)
        } catch let error as AppwriteError {
            return SimulatorAPI.errorResponse(error, version: version)
        } catch let error as HTTPError where error.status == .notFound {
            return SimulatorAPI.errorResponse(.routeNotFound, version: version)
        }
    }
}

struct SimulatorAPI: Sendable {
    let state: SimulatorState
    let config: SimulatorConfig
    var storage: SimulatorStorage { state.storage }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/v1/health/version") { _, _ in json(["version": config.version]) }
        router.get("/v1/health") { request, _ in
            _ = try authorize(request, anyOf: ["health.read"])
            return json(["name": "http", "ping": 1, "status": "pass"] as [String: any Sendable])
        }
        router.post("/v1/functions/:functionId/executions") { request, context in
            try await createExecution(request, functionID: try context.parameters.require("functionId"))
        }
        router.get("/v1/functions/:functionId/executions/:executionId") { request, context in
            let project = try authorize(request, anyOf: ["executions.read", "execution.read"])
            let functionID = try context.parameters.require("functionId")
            guard project.functions.contains(where: { $0.id == functionID }) else { throw AppwriteError.functionNotFound }
            let executionID = try context.parameters.require("executionId")
            guard let execution = await state.execution(projectID: project.id, id: executionID),
                execution.functionID == functionID
            else { throw AppwriteError.executionNotFound }
            var stored = execution
            stored.responseBody = ""
            return try encode(stored, status: .ok)
        }
        router.get("/v1/functions/:functionId/executions") { request, context in
            let project = try authorize(request, anyOf: ["executions.read", "execution.read"])
            let functionID = try context.parameters.require("functionId")
            guard project.functions.contains(where: { $0.id == functionID }) else { throw AppwriteError.functionNotFound }
            let executions = await state.executions(projectID: project.id).filter { $0.functionID == functionID }
                .reversed().map { execution -> Execution in
                    var stored = execution
                    stored.responseBody = ""
                    return stored
                }
            return try encode(ExecutionList(total: executions.count, executions: Array(executions)), status: .ok)
        }
        registerMessaging(on: router)
        registerStorage(on: router)
        router.get("/_simulator/requests") { _, _ in try encode(await state.recordedRequests(), status: .ok) }
        router.delete("/_simulator/requests") { _, _ in
            await state.reset()
            return Response(status: .noContent)
        }
    }

    struct ExecutionList: Encodable {
        var total: Int
        var executions: [Execution]
    }

    /// Appwrite's order: project, key, scope. Parameters come after, in the handler.
    func authorize(_ request: Request, anyOf scopes: [String]) throws(AppwriteError) -> SimulatorConfig.Project {
        guard let projectID = request.headers[HTTPField.Name("X-Appwrite-Project")!], !projectID.isEmpty else {
            throw .projectMissing
        }
        guard let project = config.project(projectID) else { throw .projectNotFound }
        guard let secret = request.headers[HTTPField.Name("X-Appwrite-Key")!], !secret.isEmpty else {
            throw .missingScopes(scopes, actor: "User (role: guests)")
        }
        guard let key = project.keys.first(where: { $0.secret == secret }) else { throw .userUnauthorized }
        if key.expired { throw .keyExpired }
        let granted = Set(key.scopes + ["health.read", "global", "graphql"])
        guard scopes.contains(where: granted.contains) else {
            let host = request.head.authority?.split(separator: ":").first.map(String.init) ?? "localhost"
            throw .missingScopes(scopes, actor: "app.\(project.id)@service.\(host) (role: applications)")
        }
        return project
    }

    func createExecution(_ request: Request, functionID: String) async throws -> Response {
        let project = try authorize(request, anyOf: ["executions.write", "execution.write"])
        guard ExecutionParameters.isValidID(functionID) else {
            throw AppwriteError.argumentInvalid("functionId", ExecutionParameters.idRule)
        }
        let parameters = try ExecutionParameters(try await jsonParameters(request))

        guard let function = project.functions.first(where: { $0.id == functionID }) else {
            throw AppwriteError.functionNotFound
        }
        guard function.deployment else { throw AppwriteError.deploymentNotFound }
        guard function.buildReady else { throw AppwriteError.buildNotReady }

        var scheduledAt: String?
        if let schedule = parameters.scheduledAt {
            guard parameters.isAsync else { throw AppwriteError.scheduleNotAsync }
            guard let date = AppwriteDate.parse(schedule), date.timeIntervalSinceNow > 60,
                date.timeIntervalSince1970.truncatingRemainder(dividingBy: 60) == 0
            else { throw AppwriteError.scheduleInvalid }
            scheduledAt = AppwriteDate.string(date)
        }

        let now = Date()
        let keptHeaders = parameters.headers.filter { ["content-type", "user-agent"].contains($0.0.lowercased()) }
        var execution = Execution(
            id: Self.newID(),
            createdAt: AppwriteDate.string(now),
            functionID: functionID,
            deploymentID: "deployment-\(functionID)",
            trigger: scheduledAt == nil ? "http" : "schedule",
            status: scheduledAt == nil ? (parameters.isAsync ? "waiting" : "processing") : "scheduled",
            requestMethod: parameters.method,
            requestPath: parameters.path,
            requestHeaders: keptHeaders.map { Execution.Header(name: $0.0.lowercased(), value: $0.1) },
            scheduledAt: scheduledAt
        )

        if scheduledAt != nil {
            await state.store(execution, projectID: project.id)
            return try encode(execution, status: .accepted)
        }
        if parameters.isAsync {
            await state.store(execution, projectID: project.id)
            Task { [state, execution, projectID = project.id] in
                var running = execution
                running.status = "processing"
                running.updatedAt = AppwriteDate.string(Date())
                await state.store(running, projectID: projectID)
                var finished = try await Self.run(function, parameters, execution: running)
                finished.responseBody = ""
                await state.store(finished, projectID: projectID)
            }
            return try encode(execution, status: .accepted)
        }
        guard function.sleepSeconds <= config.syncTimeoutSeconds else {
            try await Task.sleep(for: .seconds(config.syncTimeoutSeconds))
            execution.status = "failed"
            await state.store(execution, projectID: project.id)
            throw AppwriteError.syncTimeout
        }
        let finished = try await Self.run(function, parameters, execution: execution)
        var stored = finished
        stored.responseBody = ""
        await state.store(stored, projectID: project.id)
        return try encode(finished, status: .created)
    }

    /// The parameters of a JSON body (up to Appwrite's 12 MiB request limit). Like Appwrite, a body
    /// is only parsed with `Content-Type: application/json`; otherwise there are no parameters.
    func jsonParameters(_ request: Request) async throws -> [String: AnyJSON] {
        var request = request
        let buffer = try await request.collectBody(upTo: 12 * 1024 * 1024)
        let mediaType = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces)
        guard mediaType == "application/json", buffer.readableBytes > 0 else { return [:] }
        guard case .object(let object)? = try? JSONDecoder().decode(AnyJSON.self, from: Data(buffer.readableBytesView)) else {
            throw AppwriteError(status: 400, type: "general_argument_invalid", message: "Invalid JSON body")
        }
        return object
    }

    /// "Runs" the function: waits, then answers with what it saw.
    static func run(_ function: SimulatorConfig.Function, _ parameters: ExecutionParameters, execution: Execution)
        async throws -> Execution
    {
        let started = Date()
        if function.sleepSeconds > 0 { try await Task.sleep(for: .seconds(function.sleepSeconds)) }
        let finished = Date()
        let seen = FunctionInput(
            method: parameters.method,
            path: parameters.path,
            headers: Dictionary(parameters.headers, uniquingKeysWith: { $1 }),
            body: parameters.body,
            startedAt: AppwriteDate.string(started),
            finishedAt: AppwriteDate.string(finished)
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var result = execution
        result.status = function.responseStatus >= 500 ? "failed" : "completed"
        result.responseStatusCode = function.responseStatus
        result.responseBody = String(decoding: try encoder.encode(seen), as: UTF8.self)
        result.responseHeaders = [.init(name: "content-type", value: "application/json")]
        result.duration = finished.timeIntervalSince(started)
        result.updatedAt = AppwriteDate.string(finished)
        return result
    }

    struct FunctionInput: Encodable {
        var method: String
        var path: String
        var headers: [String: String]
        var body: String
        var startedAt: String
        var finishedAt: String
    }

    static func newID() -> String {
        String((0..<20).map { _ in "0123456789abcdef".randomElement()! })
    }

    static func errorResponse(_ error: AppwriteError, version: String) -> Response {
        let body: [String: any Sendable] = [
            "message": error.message, "code": error.status, "type": error.type, "version": version,
        ]
        return json(body, status: .init(code: error.status))
    }
}

func json(_ object: [String: any Sendable], status: HTTPResponse.Status = .ok) -> Response {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    return Response(
        status: status,
        headers: [.contentType: "application/json"],
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
    )
}

func encode(_ value: some Encodable, status: HTTPResponse.Status) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
}
