import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /api/executions/<project>/<function>/<execution>` (through the pipeline, like every
/// Appwrite call) and the `GET /api/events` stream.
struct ExecutionRoutes {
    let state: BridgeState
    let pipeline: ExecutionPipeline
    let hub: BridgeEventHub
    let metrics: BridgeMetrics

    var collection: RouteCollection<BridgeRequestContext> {
        let routes = RouteCollection(context: BridgeRequestContext.self)
        routes.get("executions/:project/:function/:execution") { _, context in
            let config = state.current.config
            let projectID = try context.parameters.require("project")
            guard let instance = config.instance(projectID: projectID) else { throw BridgeError.unknownInstance(projectID) }
            let functionID = try context.parameters.require("function")
            let executionID = try context.parameters.require("execution")
            if context.mayCall(instance: projectID), !AppwriteRules.isValidID(functionID) || !AppwriteRules.isValidID(executionID) {
                throw BridgeError.invalidPayload(PayloadError(field: nil, "function and execution IDs must be valid Appwrite IDs"))
            }
            let outcome = try await pipeline.run(
                PipelineCall(
                    origin: .action,
                    config: config,
                    instance: instance,
                    request: .readExecution(functionID: functionID, executionID: executionID),
                    token: context.token
                )
            )
            guard case .answered(let response) = outcome else { throw BridgeError.internalError("a read was not answered") }
            return JSONResponse.make(bytes: response.body)
        }
        routes.get("events") { request, context in
            let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]
            // HEAD gets the stream's head only: a subscription would never be written or released.
            if request.method == .head { return Response(status: .ok, headers: headers) }
            let token = context.token
            let subscription = try subscribe(request: request) { projectID in token?.instances.allows(projectID) ?? true }
            let executor = EventLoopTaskExecutor(context.eventLoop)
            return Response(
                status: .ok,
                headers: headers,
                body: ResponseBody { [hub] writer in
                    defer { hub.unsubscribe(subscription) }
                    try await withTaskExecutorPreference(executor) {
                        // A comment first, so clients (and proxies) see the stream is open at once.
                        try await writer.write(ByteBuffer(string: ": appwrite-bridge events\n\n"))
                        try await EventStream.write(subscription, to: &writer)
                        try await writer.finish(nil)
                    }
                }
            )
        }
        return routes
    }
}
