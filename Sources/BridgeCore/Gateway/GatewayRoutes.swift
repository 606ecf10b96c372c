import HTTPTypes
import Hummingbird
import NIOHTTP1

/// An Appwrite-compatible endpoint for Appwrite's own SDKs: `/v1/health`, `/v1/health/version`,
/// and create, get and list executions. The caller's "API key" is a bridge token; the call goes
/// through the pipeline to the instance named by `X-Appwrite-Project` with the instance's real key,
/// and Appwrite's answer comes back unchanged. Refusals the gateway makes itself (project, token,
/// scope, path IDs, concurrency limits) use Appwrite's envelope, in Appwrite's order.
struct GatewayRoutes {
    let state: BridgeState
    let pipeline: ExecutionPipeline
    let versions: GatewayVersions

    static let writeScopes = ["executions.write", "execution.write"]
    static let readScopes = ["executions.read", "execution.read"]

    var collection: RouteCollection<BridgeRequestContext> {
        let routes = RouteCollection(context: BridgeRequestContext.self)
        routes.post("/v1/functions/:functionId/executions") { request, context in
            await answer(request) { access in
                let functionID = try context.parameters.require("functionId")
                let caller = try access.caller(of: request, scopes: Self.writeScopes, functionID: functionID)
                try Self.checkIDs([("functionId", functionID)])
                let body = try await collect(request, limit: access.config.limits.maximumBodyBytes)
                return (caller, .forwarded(forwarded(request, .POST, "/functions/\(functionID)/executions", body, functionID, caller)))
            }
        }
        routes.get("/v1/functions/:functionId/executions/:executionId") { request, context in
            await answer(request) { access in
                let functionID = try context.parameters.require("functionId")
                let executionID = try context.parameters.require("executionId")
                let caller = try access.caller(of: request, scopes: Self.readScopes, functionID: functionID)
                try Self.checkIDs([("functionId", functionID), ("executionId", executionID)])
                let path = "/functions/\(functionID)/executions/\(executionID)"
                return (caller, .forwarded(forwarded(request, .GET, path, nil, functionID, caller)))
            }
        }
        routes.get("/v1/functions/:functionId/executions") { request, context in
            await answer(request) { access in
                let functionID = try context.parameters.require("functionId")
                let caller = try access.caller(of: request, scopes: Self.readScopes, functionID: functionID)
                try Self.checkIDs([("functionId", functionID)])
                let path = "/functions/\(functionID)/executions" + (request.uri.query.map { "?" + $0 } ?? "")
                return (caller, .forwarded(forwarded(request, .GET, path, nil, functionID, caller)))
            }
        }
        routes.get("/v1/health") { request, _ in
            await answer(request) { access in
                let caller = try access.caller(of: request, scopes: ["health.read"], functionID: nil)
                return (caller, .forwarded(forwarded(request, .GET, "/health", nil, nil, caller)))
            }
        }
        routes.get("/v1/health/version") { request, _ in
            await answer(request) { access in
                let caller = try access.caller(of: request, scopes: ["public"], functionID: nil)
                return (caller, .forwarded(forwarded(request, .GET, "/health/version", nil, nil, caller)))
            }
        }
        addWildcard(to: routes)
        return routes
    }

    /// Path IDs are checked before anything is sent: `..`, `%2F` or `%3F` never reach Appwrite,
    /// where a proxy in between could read them as another endpoint.
    static func checkIDs(_ ids: [(param: String, value: String)]) throws(GatewayRefusal) {
        for (param, value) in ids where !AppwriteRules.isValidID(value) { throw .invalidID(param) }
    }

    /// Runs one gateway call: the caller's request decided by `decode`, sent by the pipeline, its
    /// upstream answer unchanged, or a refusal in Appwrite's envelope.
    func answer(_ request: Request, _ decode: (GatewayAccess) async throws -> (GatewayCaller, UpstreamRequest)) async -> Response {
        let config = state.current.config
        do {
            let (caller, upstream) = try await decode(GatewayAccess(config: config))
            let call = PipelineCall(origin: .gateway, config: config, instance: caller.instance, request: upstream)
            let outcome: PipelineOutcome
            do {
                outcome = try await pipeline.run(call)
            } catch {
                throw GatewayRefusal(error, instance: caller.instance)
            }
            guard case .answered(let reply) = outcome else { throw GatewayRefusal.internalFailure }
            versions.learn(from: reply, of: caller.instance)
            return JSONResponse.make(bytes: reply.body, status: .init(code: reply.status))
        } catch {
            let refusal = error as? GatewayRefusal ?? .internalFailure
            let projectID = request.headers[HTTPField.Name("X-Appwrite-Project")!] ?? ""
            let instance = config.instance(projectID: projectID) ?? config.instances.first
            // An instance that did not answer is not asked again just for its version.
            let version =
                refusal.isUpstreamFailure
                ? versions.version(for: instance?.projectID) ?? "UNKNOWN"
                : await versions.version(of: instance, client: pipeline.client)
            return refusal.response(version: version)
        }
    }

    /// The caller's Content-Type, Accept and response format go on: Appwrite parses bodies by
    /// exact media type.
    private func forwarded(
        _ request: Request,
        _ method: HTTPMethod,
        _ pathAndQuery: String,
        _ body: [UInt8]?,
        _ functionID: String?,
        _ caller: GatewayCaller
    ) -> ForwardedRequest {
        let headers = ["Content-Type", "Accept", "X-Appwrite-Response-Format"].compactMap { name in
            request.headers[HTTPField.Name(name)!].map { (name, $0) }
        }
        return ForwardedRequest(
            method: method,
            pathAndQuery: pathAndQuery,
            body: body,
            headers: headers,
            functionID: functionID,
            createsExecution: method == .POST,
            sendsKey: caller.sendsKey,
            sendsProject: caller.sendsProject
        )
    }

    private func collect(_ request: Request, limit: Int) async throws(GatewayRefusal) -> [UInt8] {
        var request = request
        do {
            var buffer = try await request.collectBody(upTo: limit)
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch {
            throw .tooLarge(limit: limit)
        }
    }
}
