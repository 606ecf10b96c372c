import Hummingbird

/// `GET /api/` (who this bridge is), `GET /api/instances` and `POST /api/reload`.
struct AdminRoutes {
    let status: StatusDocuments
    let reloader: ConfigReloader
    /// The bridge's stable identity (`bridge_id`), kept in state_dir.
    let identity: String

    var collection: RouteCollection<BridgeRequestContext> {
        let routes = RouteCollection(context: BridgeRequestContext.self)
        routes.get("/") { _, _ in
            JSONResponse.make(
                .object(
                    JSONObject([
                        ("message", "API running."), ("bridge_id", .string(identity)), ("version", .string(BridgeVersion.current)),
                    ])
                )
            )
        }
        routes.get("instances") { _, context in JSONResponse.make(status.instances { context.mayCall(instance: $0) }) }
        routes.post("reload") { _, _ in
            let outcome = await reloader.reload(trigger: "api")
            return JSONResponse.make(outcome.document, status: outcome.succeeded ? .ok : .unprocessableContent)
        }
        return routes
    }
}
