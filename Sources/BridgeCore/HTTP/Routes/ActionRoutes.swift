import Hummingbird

/// `GET /api/services` and `POST /api/services/appwrite/<action>`: decode the payload, hand the
/// call to the pipeline, encode its outcome the way Home Assistant answers.
struct ActionRoutes {
    let state: BridgeState
    let pipeline: ExecutionPipeline
    let storage: StorageRoutes
    let metrics: BridgeMetrics

    var collection: RouteCollection<BridgeRequestContext> {
        let routes = RouteCollection(context: BridgeRequestContext.self)
        routes.get("services") { _, context in
            let visible = state.current.config.instances.filter { context.mayCall(instance: $0.projectID) }
            return JSONResponse.make(ServiceCatalog.describe(visible))
        }
        routes.post("services/:domain/:action") { request, context in
            let config = state.current.config
            let action = try context.parameters.require("action")
            // Only configured actions get their own label: a scanner must not grow the registry.
            let known = config.target(ofAction: action) != nil || config.uploadInstance(ofAction: action) != nil
            let label = known ? action : "unknown"
            do {
                let response = try await call(action, config: config, request: request, context: context)
                metrics.recordRequest(action: label, status: Int(response.status.code))
                return response
            } catch let error as BridgeError {
                metrics.recordRequest(action: label, status: error.statusCode)
                throw error
            }
        }
        return routes
    }

    private func call(_ action: String, config: BridgeConfig, request: Request, context: BridgeRequestContext) async throws -> Response {
        let domain = try context.parameters.require("domain")
        guard domain == ActionName.domain else { throw BridgeError.unknownAction("\(domain).\(action)") }
        if let instance = config.uploadInstance(ofAction: action) {
            return try await storage.uploadAction(projectID: instance.projectID, config: config, request: request, context: context)
        }
        guard let target = config.target(ofAction: action), let instance = config.instance(projectID: target.projectID) else {
            if let projectID = ActionName.executeFunctionProjectID(action) { throw BridgeError.unknownInstance(projectID) }
            throw BridgeError.unknownAction(action)
        }
        // The token's scope first: a caller outside it learns nothing from payload errors.
        try context.requireAccess(to: instance.projectID)
        let payload = try await RequestBody.json(request, limit: config.limits.maximumBodyBytes)
        let decoded: ActionCall
        do {
            decoded = try ActionCall.decode(payload, for: target, on: instance)
        } catch {
            throw BridgeError.invalidPayload(error)
        }
        let outcome = try await pipeline.run(
            PipelineCall(
                origin: .action,
                config: config,
                instance: instance,
                request: decoded.request,
                token: context.token,
                wait: decoded.wait,
                callbackURL: decoded.callbackURL
            )
        )
        switch outcome {
        case .answered(let result):
            // A caller who waited gets the final Execution whether or not it asked for it.
            let returnResponse = decoded.wait != nil || ReturnResponseFlag.isSet(in: request.uri.query)
            return JSONResponse.serviceResponse(result, returnResponse: returnResponse)
        case .unfinished(_, let executionID, let waited):
            throw BridgeError.waitTimedOut(executionID: executionID, seconds: Int(waited.components.seconds))
        case .queued(let receipt):
            return JSONResponse.receipt(receipt)
        }
    }
}
