import AsyncHTTPClient
import ServiceLifecycle

/// Keeps the shared HTTP client open while the server runs and shuts it down after graceful
/// shutdown, once no request can use it any more.
struct HTTPClientService: Service {
    let client: HTTPClient

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
