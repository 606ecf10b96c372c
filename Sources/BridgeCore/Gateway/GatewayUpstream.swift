import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import Synchronization

/// Sends a gateway call on: the instance's key only for a `.key` caller, the caller's own
/// Content-Type, Accept and response format (Appwrite parses bodies by exact media type), and
/// records the upstream metrics as the action API does. Learns each instance's Appwrite version
/// from what it answers, for the envelopes the gateway writes itself.
struct GatewayUpstream: Sendable {
    let client: AppwriteClient
    let metrics: BridgeMetrics?
    let versions: GatewayVersions

    func send(
        _ method: HTTPMethod,
        _ pathAndQuery: String,
        body: [UInt8]?,
        request: Request,
        as caller: GatewayCaller
    ) async throws(GatewayRefusal) -> AppwriteResponse {
        let instance = caller.instance
        var outgoing = HTTPClientRequest(url: instance.baseURL + pathAndQuery)
        outgoing.method = method
        outgoing.tlsConfiguration = instance.tls.clientConfiguration
        if caller.sendsProject { outgoing.headers.add(name: "X-Appwrite-Project", value: instance.projectID) }
        if caller.sendsKey { outgoing.headers.add(name: "X-Appwrite-Key", value: instance.apiKey.value) }
        outgoing.headers.add(name: "User-Agent", value: client.userAgent)
        for name in ["Content-Type", "Accept", "X-Appwrite-Response-Format"] {
            if let value = request.headers[HTTPField.Name(name)!] { outgoing.headers.add(name: name, value: value) }
        }
        if let body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        let started = ContinuousClock.now
        do {
            let response = try await client.httpClient.execute(outgoing, timeout: .milliseconds(Int64(instance.timeoutSeconds * 1000)))
            var buffer = try await response.body.collect(upTo: AppwriteClient.maximumResponseBytes)
            let answer = AppwriteResponse(status: Int(response.status.code), body: buffer.readBytes(length: buffer.readableBytes) ?? [])
            metrics?.recordUpstream(projectID: instance.projectID, outcome: String(answer.status), duration: ContinuousClock.now - started)
            // Error envelopes and /health/version name the version; an Execution is not parsed for it.
            if answer.status >= 400 || pathAndQuery == "/health/version", let version = answer.json?["version"]?.stringValue {
                versions.learn(version, for: instance.projectID)
            }
            return answer
        } catch {
            let timeout = (error as? HTTPClientError).map { $0 == .deadlineExceeded || $0 == .readTimeout } ?? false
            metrics?.recordUpstream(
                projectID: instance.projectID,
                outcome: timeout ? "timeout" : "unreachable",
                duration: ContinuousClock.now - started
            )
            throw .unavailable(
                instance,
                reason: timeout ? "no answer within \(instance.timeoutSeconds) s" : AppwriteClient.describe(error),
                timeout: timeout
            )
        }
    }

    /// The version for an envelope the gateway writes: learnt, else asked of the instance (its
    /// `/health/version` is public), else Appwrite's own fallback, "UNKNOWN".
    func version(of instance: InstanceConfig?) async -> String {
        if let known = versions.version(for: instance?.projectID) { return known }
        guard let instance else { return "UNKNOWN" }
        var probe = HTTPClientRequest(url: instance.baseURL + "/health/version")
        probe.tlsConfiguration = instance.tls.clientConfiguration
        probe.headers.add(name: "User-Agent", value: client.userAgent)
        guard let response = try? await client.httpClient.execute(probe, timeout: .seconds(2)),
            var buffer = try? await response.body.collect(upTo: 64 * 1024),
            let json = try? JSONParser.parse(buffer.readBytes(length: buffer.readableBytes) ?? []),
            let version = json["version"]?.stringValue
        else { return "UNKNOWN" }
        versions.learn(version, for: instance.projectID)
        return version
    }
}

/// The Appwrite version each instance last reported.
final class GatewayVersions: Sendable {
    private let known = Mutex<[String: String]>([:])

    func learn(_ version: String, for projectID: String) {
        known.withLock { $0[projectID] = version }
    }

    /// The instance's, or (for a call naming no known instance) any instance's.
    func version(for projectID: String?) -> String? {
        known.withLock { table in projectID.flatMap { table[$0] } ?? (projectID == nil ? table.values.first : nil) }
    }
}
