import Hummingbird
import NIOCore

/// The unauthenticated probes: `/healthz` (the process answers), `/readyz` (an instance is
/// usable) and `/metrics` (Prometheus).
struct StatusRoutes {
    let status: StatusDocuments
    let metrics: BridgeMetrics

    var collection: RouteCollection<BridgeRequestContext> {
        let routes = RouteCollection(context: BridgeRequestContext.self)
        routes.get("/healthz") { _, _ in JSONResponse.make(["status": "alive"]) }
        routes.get("/readyz") { _, _ in
            let readiness = status.readiness()
            return JSONResponse.make(readiness.document, status: readiness.ready ? .ok : .serviceUnavailable)
        }
        routes.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition()))
            )
        }
        return routes
    }
}
