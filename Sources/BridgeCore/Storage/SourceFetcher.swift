import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// Reads an upload's `source_url` into a spool file. Only hosts on `fetch.allowed_hosts` are
/// asked, with that host's secret headers; redirects are not followed (the shared client
/// refuses them), so the headers never reach another host. Errors name the host only: a URL's
/// path or query may carry a secret.
struct SourceFetcher: Sendable {
    let httpClient: HTTPClient
    static let timeout = TimeAmount.seconds(30)

    func fetch(_ url: String, host: FetchSettings.Host, stateDirectory: String, limit: Int) async throws -> SpoolFile {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        for header in host.headers { request.headers.add(name: header.name, value: header.value.value) }
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, timeout: Self.timeout)
        } catch {
            throw BridgeError.sourceFetchFailed("fetching source_url from \(host.host) failed: \(AppwriteClient.describe(error))")
        }
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else {
            throw BridgeError.sourceFetchFailed("\(host.host) answered source_url with HTTP \(status)")
        }
        if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > limit {
            throw BridgeError.payloadTooLarge(limit: limit)
        }
        let spool = try await SpoolFile.write(response.body, stateDirectory: stateDirectory, limit: limit)
        guard spool.size > 0 else {
            spool.remove()
            throw BridgeError.sourceFetchFailed("\(host.host) answered source_url with an empty body")
        }
        return spool
    }
}
