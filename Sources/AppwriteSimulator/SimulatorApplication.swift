import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

/// Builds the simulated Appwrite server: `/v1/health`, `/v1/health/version`, create, get and list
/// executions, create push, email and SMS messages and get one, Storage files, Databases documents,
/// users' sessions and JWTs, and the `/v1/realtime` WebSocket on the same port, plus
/// `/_simulator/...` for tests to see what arrived and to steer Realtime.
public func buildSimulatorApplication(
    state: SimulatorState,
    host: String = "127.0.0.1",
    port: Int = 0,
    logger: Logger = Logger(label: "appwrite-simulator"),
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router()
    router.add(middleware: RecordingMiddleware(state: state))
    // /_simulator/faults: lose answers on purpose (SimulatorAPI+AnswerFaults.swift); a test
    // control like the Realtime ones, so the demo (test_controls: false) cannot be told to.
    if state.config.testControls { AnswerFaults().install(on: router) }
    let api = SimulatorAPI(state: state, config: state.config)
    api.register(on: router)
    // `/v1/realtime` on the same port (Realtime/RealtimeEndpoint.swift).
    let webSocketRouter = Router(context: RealtimeRequestContext.self)
    RealtimeEndpoint(state: state).register(on: webSocketRouter)
    return Application(
        router: router,
        server: .http1WebSocketUpgrade(webSocketRouter: webSocketRouter, configuration: RealtimeEndpoint.serverConfiguration),
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
                    body: RecordedRequest.text(of: buffer),
                    bodyBytes: buffer.readableBytes,
                    receivedAt: AppwriteDate.string(Date())
                )
            )
        }
        do {
            return try await next(request, context)
        } catch let error as AppwriteError {
            return SimulatorAPI.errorResponse(error, version: version)
        } catch let error as HTTPError where error.status == .notFound || error.status == .methodNotAllowed {
            // Appwrite's wildcard route, in the API group like any other (project, key, scope
            // "global" first): any unknown path or method. Appwrite renders it as HTML; see README.
            do {
                _ = try SimulatorAPI(state: state, config: state.config).access(request, anyOf: ["global"])
            } catch {
                return SimulatorAPI.errorResponse(error, version: version)
            }
            return SimulatorAPI.errorResponse(.routeNotFound, version: version)
        }
    }
}

struct SimulatorAPI: Sendable {
    let state: SimulatorState
    let config: SimulatorConfig
    var storage: SimulatorStorage { state.storage }

    func register(on router: Router<BasicRequestContext>) {
        // Health/Version/Get.php: scope "public", which guests have and API keys do not.
        router.get("/v1/health/version") { request, _ in
            _ = try access(request, anyOf: ["public"])
            return json(["version": config.version])
        }
        router.get("/v1/health") { request, _ in
            _ = try access(request, anyOf: ["health.read"])
            return json(["name": "http", "ping": 0, "status": "pass"] as [String: any Sendable])
        }
        registerExecutions(on: router)
        registerMessaging(on: router)
        registerStorage(on: router)
        registerDocuments(on: router)
        registerUsers(on: router)
        registerRealtimeControls(on: router)
        router.get("/_simulator/requests") { _, _ in try encode(await state.recordedRequests(), status: .ok) }
        router.delete("/_simulator/requests") { _, _ in
            await state.reset()
            return Response(status: .noContent)
        }
    }

    /// A project API call: the caller's project, refused unless a key or a guest has the scope.
    func authorize(_ request: Request, anyOf scopes: [String]) throws(AppwriteError) -> SimulatorConfig.Project {
        guard let project = try access(request, anyOf: scopes).project else { throw .projectNotFound }
        return project
    }

    /// The parameters of a JSON body, for the messaging routes (which keep their AnyJSON model).
    /// Like Appwrite, a body that is not a JSON object gives no parameters.
    func jsonParameters(_ request: Request) async throws -> [String: AnyJSON] {
        var request = request
        let buffer = try await request.collectBody(upTo: 12 * 1024 * 1024)
        let mediaType = request.headers[.contentType]?.split(separator: ";").first.map(String.init)
        guard mediaType == "application/json", buffer.readableBytes > 0,
            case .object(let object)? = try? JSONDecoder().decode(AnyJSON.self, from: Data(buffer.readableBytesView))
        else { return [:] }
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
