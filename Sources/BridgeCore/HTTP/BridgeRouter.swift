import Hummingbird
import Logging

/// The bridge's HTTP surface, one route collection per job: the probes, the token-guarded
/// `/api` (actions, executions and events, the outbox, uploads, admin), and the `/v1` gateway.
enum BridgeRouter {
    struct Parts {
        var state: BridgeState
        var pipeline: ExecutionPipeline
        var reloader: ConfigReloader
        var outbox: Outbox
        var hub: BridgeEventHub
        var metrics: BridgeMetrics
        var identity: String
        var logger: Logger
    }

    static func make(_ parts: Parts) -> Router<BridgeRequestContext> {
        // HEAD on every GET route, generically; wrong methods on known paths: 405 (below).
        let router = Router(context: BridgeRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: InFlightRequestsMiddleware(requests: parts.state.requests))
        router.add(middleware: ErrorMiddleware(state: parts.state))
        let status = StatusDocuments(state: parts.state, outbox: parts.outbox)
        let storage = StorageRoutes(state: parts.state, pipeline: parts.pipeline)
        router.addRoutes(StatusRoutes(status: status, metrics: parts.metrics).collection)
        let api = router.group("api").add(middleware: TokenMiddleware(state: parts.state))
        api.addRoutes(AdminRoutes(status: status, reloader: parts.reloader, identity: parts.identity).collection)
        api.addRoutes(ActionRoutes(state: parts.state, pipeline: parts.pipeline, storage: storage, metrics: parts.metrics).collection)
        api.addRoutes(ExecutionRoutes(state: parts.state, pipeline: parts.pipeline, hub: parts.hub, metrics: parts.metrics).collection)
        api.addRoutes(OutboxRoutes(outbox: parts.outbox, logger: parts.logger).collection)
        api.addRoutes(storage.collection)
        router.addRoutes(GatewayRoutes(state: parts.state, pipeline: parts.pipeline, versions: GatewayVersions()).collection)
        router.answerWrongMethodsWith405()
        return router
    }
}
