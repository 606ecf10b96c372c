import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// An Appwrite-compatible endpoint for Appwrite's own SDKs: `/v1/health`, `/v1/health/version`,
/// and create, get and list executions. The caller's "API key" is a bridge token; the call goes on
/// to the instance named by `X-Appwrite-Project` with the instance's real key, and Appwrite's
/// answer comes back unchanged. Refusals the gateway makes itself (project, token, scope, path IDs,
/// concurrency limits) use Appwrite's envelope, in Appwrite's order. Devices never hold a key.
struct AppwriteGateway {
    let state: BridgeState
    let upstream: GatewayUpstream
    let limiters: ConcurrencyLimiters
    let tracker: ExecutionTracker
    let logger: Logger

    init(
        state: BridgeState,
        client: AppwriteClient,
        tracker: ExecutionTracker,
        logger: Logger,
        limiters: ConcurrencyLimiters,
        metrics: BridgeMetrics?
    ) {
        self.state = state
        self.upstream = GatewayUpstream(client: client, metrics: metrics, versions: GatewayVersions())
        self.limiters = limiters
        self.tracker = tracker
        self.logger = logger
    }

    static let writeScopes = ["executions.write", "execution.write"]
    static let readScopes = ["executions.read", "execution.read"]

    func register(on router: Router<BridgeRequestContext>) {
        router.post("/v1/functions/:functionId/executions") { request, context in
            await answer(request) { access in
                let functionID = try context.parameters.require("functionId")
                let caller = try access.caller(of: request, scopes: Self.writeScopes, functionID: functionID)
                try Self.checkIDs([("functionId", functionID)])
                let body = try await collect(request)
                let response = try await limited(caller, functionID: functionID) {
                    try await upstream.send(.POST, "/functions/\(functionID)/executions", body: body, request: request, as: caller)
                }
                if response.status == 201 || response.status == 202 {
                    tracker.created(response, functionID: functionID, instance: caller.instance, callbackURL: nil, willWait: false)
                    logger.info(
                        "execution created through the gateway",
                        metadata: [
                            "project_id": "\(caller.instance.projectID)", "function_id": "\(functionID)",
                            "upstream_status": "\(response.status)",
                        ]
                    )
                }
                return response
            }
        }
        router.get("/v1/functions/:functionId/executions/:executionId") { request, context in
            await answer(request) { access in
                let functionID = try context.parameters.require("functionId")
                let executionID = try context.parameters.require("executionId")
                let caller = try access.caller(of: request, scopes: Self.readScopes, functionID: functionID)
                try Self.checkIDs([("functionId", functionID), ("executionId", executionID)])
                return try await upstream.send(
                    .GET,
                    "/functions/\(functionID)/executions/\(executionID)",
                    body: nil,
                    request: request,
                    as: caller
                )
            }
        }
        router.get("/v1/functions/:functionId/executions") { request, context in
            await answer(request) { access in
                let functionID = try context.parameters.require("functionId")
                let caller = try access.caller(of: request, scopes: Self.readScopes, functionID: functionID)
                try Self.checkIDs([("functionId", functionID)])
                let query = request.uri.query.map { "?" + $0 } ?? ""
                return try await upstream.send(.GET, "/functions/\(functionID)/executions" + query, body: nil, request: request, as: caller)
            }
        }
        router.get("/v1/health") { request, _ in
            await answer(request) { access in
                let caller = try access.caller(of: request, scopes: ["health.read"], functionID: nil)
                return try await upstream.send(.GET, "/health", body: nil, request: request, as: caller)
            }
        }
        router.get("/v1/health/version") { request, _ in
            await answer(request) { access in
                let caller = try access.caller(of: request, scopes: ["public"], functionID: nil)
                return try await upstream.send(.GET, "/health/version", body: nil, request: request, as: caller)
            }
        }
        registerWildcard(on: router)
    }

    /// Path IDs are checked before anything is sent: `..`, `%2F` or `%3F` never reach Appwrite,
    /// where a proxy in between could read them as another endpoint.
    static func checkIDs(_ ids: [(param: String, value: String)]) throws(GatewayRefusal) {
        for (param, value) in ids where !AppwriteRules.isValidID(value) { throw .invalidID(param) }
    }

    /// Runs one gateway call: its upstream answer unchanged, or a refusal in Appwrite's envelope.
    func answer(_ request: Request, _ body: (GatewayAccess) async throws -> AppwriteResponse) async -> Response {
        let config = state.current.config
        do {
            let reply = try await body(GatewayAccess(config: config))
            return JSONResponse.make(bytes: reply.body, status: .init(code: reply.status))
        } catch {
            let refusal = error as? GatewayRefusal ?? .internalFailure
            let projectID = request.headers[HTTPField.Name("X-Appwrite-Project")!] ?? ""
            let instance = config.instance(projectID: projectID) ?? config.instances.first
            // An instance that did not answer is not asked again just for its version.
            let version =
                refusal.isUpstreamFailure
                ? upstream.versions.version(for: instance?.projectID) ?? "UNKNOWN" : await upstream.version(of: instance)
            return refusal.response(version: version)
        }
    }

    /// Create calls count against the instance's and the function's `max_concurrency`, like the
    /// actions: a full queue or a timed-out wait is Appwrite's 429 with Retry-After.
    private func limited(
        _ caller: GatewayCaller,
        functionID: String,
        _ body: () async throws -> AppwriteResponse
    ) async throws -> AppwriteResponse {
        do {
            return try await limiters.run(instance: caller.instance, functionID: functionID, body)
        } catch let refusal as LimitRefusal {
            throw GatewayRefusal.rateLimited(retryAfterSeconds: Int(refusal.limit.queueTimeoutSeconds.rounded(.up)))
        }
    }

    private func collect(_ request: Request) async throws(GatewayRefusal) -> [UInt8] {
        let limit = state.current.config.limits.maximumBodyBytes
        var request = request
        do {
            var buffer = try await request.collectBody(upTo: limit)
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch {
            throw .tooLarge(limit: limit)
        }
    }
}
