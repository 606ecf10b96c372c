import HTTPTypes
import Hummingbird

extension GatewayRoutes {
    /// Appwrite's wildcard route for any other `/v1` path or method: checked like every API route
    /// (project, key, scope "global"), then 404 `general_route_not_found`. Nothing is sent.
    func addWildcard(to routes: RouteCollection<BridgeRequestContext>) {
        let methods: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete]
        let served: [(String, [HTTPRequest.Method])] = [
            ("/v1/**", []), ("/v1/health", [.get]), ("/v1/health/version", [.get]),
            ("/v1/functions/:functionId/executions", [.get, .post]), ("/v1/functions/:functionId/executions/:executionId", [.get]),
        ]
        for (path, taken) in served {
            for method in methods where !taken.contains(method) {
                routes.on(RouterPath(path), method: method) { request, _ in
                    await answer(request) { access -> (GatewayCaller, UpstreamRequest) in
                        _ = try access.caller(of: request, scopes: ["global"], functionID: nil)
                        throw GatewayRefusal.routeNotFound
                    }
                }
            }
        }
    }
}
