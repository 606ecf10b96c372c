import HTTPTypes
import Hummingbird

/// Requires `Authorization: Bearer <token>` when bridge.yaml lists tokens. The token list is read
/// from the live snapshot, so a reload that adds or revokes a token applies to the next request.
struct TokenMiddleware: RouterMiddleware {
    let state: BridgeState

    func handle(
        _ request: Request,
        context: BridgeRequestContext,
        next: (Request, BridgeRequestContext) async throws -> Response
    ) async throws
        -> Response
    {
        let config = state.current.config
        guard config.requiresToken else { return try await next(request, context) }
        guard let header = request.headers[.authorization] else {
            throw BridgeError.unauthorized("send the bridge token as 'Authorization: Bearer <token>'")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw BridgeError.unauthorized("the Authorization header must be 'Bearer <token>'")
        }
        guard let matched = config.token(matching: parts[1]) else { throw BridgeError.unauthorized("the bridge token is not valid") }
        var context = context
        context.token = matched
        return try await next(request, context)
    }
}
