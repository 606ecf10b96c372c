import HTTPTypes
import Hummingbird
import Logging

/// Gives every failure, including Hummingbird's own (unknown route, body too large), the bridge's
/// JSON envelope, so a client never has to parse an empty or plain-text error.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let state: BridgeState

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as BridgeError {
            return try error.response(from: request, context: context)
        } catch let error as HTTPError {
            return try translate(error, request: request).response(from: request, context: context)
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(error)"])
            return try BridgeError.internalError("the bridge failed to handle the request").response(
                from: request,
                context: context
            )
        }
    }

    private func translate(_ error: HTTPError, request: Request) -> BridgeError {
        switch error.status {
        case .notFound, .methodNotAllowed:
            .routeNotFound(method: request.method.rawValue, path: request.uri.path)
        case .contentTooLarge:
            .payloadTooLarge(limit: state.current.config.limits.maximumBodyBytes)
        default:
            .internalError(error.body ?? "HTTP \(error.status.code)")
        }
    }
}
