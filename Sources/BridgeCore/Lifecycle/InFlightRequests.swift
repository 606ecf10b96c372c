import HTTPTypes
import Hummingbird
import Synchronization

/// How many HTTP requests the bridge is handling now, so shutdown can say what it waits for
/// ("stopping: draining 3 requests (grace 30 s)").
public final class InFlightRequests: Sendable {
    private let value = Atomic<Int>(0)

    public init() {}

    public var count: Int { value.load(ordering: .relaxed) }

    func begin() { value.add(1, ordering: .relaxed) }
    func end() { value.subtract(1, ordering: .relaxed) }
}

/// Counts each request from the moment routing starts until its response head is ready. A
/// streamed body (`/api/events`) is no longer counted: those streams end at shutdown anyway.
struct InFlightRequestsMiddleware<Context: RequestContext>: RouterMiddleware {
    let requests: InFlightRequests

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        requests.begin()
        defer { requests.end() }
        return try await next(request, context)
    }
}
