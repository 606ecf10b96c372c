import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Synchronization

/// The Appwrite version each instance last reported, for the envelopes the gateway writes itself.
/// Learnt from what instances answer (error envelopes and `/health/version` name it).
final class GatewayVersions: Sendable {
    private let known = Mutex<[String: String]>([:])

    func learn(_ version: String, for projectID: String) {
        known.withLock { $0[projectID] = version }
    }

    /// Reads the already decoded answer; an Execution is not searched for it.
    func learn(from reply: AppwriteResponse, of instance: InstanceConfig) {
        guard reply.status >= 400 || reply.json?["$id"] == nil, let version = reply.json?["version"]?.stringValue else { return }
        learn(version, for: instance.projectID)
    }

    /// The instance's, or (for a call naming no known instance) any instance's.
    func version(for projectID: String?) -> String? {
        known.withLock { table in projectID.flatMap { table[$0] } ?? (projectID == nil ? table.values.first : nil) }
    }

    /// Learnt, else asked of the instance (its `/health/version` is public), else Appwrite's own
    /// fallback, "UNKNOWN".
    func version(of instance: InstanceConfig?, client: AppwriteClient) async -> String {
        if let known = version(for: instance?.projectID) { return known }
        guard let instance else { return "UNKNOWN" }
        var probe = HTTPClientRequest(url: instance.baseURL + "/health/version")
        probe.tlsConfiguration = instance.tls.clientConfiguration
        probe.headers.add(name: "User-Agent", value: client.userAgent)
        guard let response = try? await client.httpClient.execute(probe, timeout: .seconds(2)),
            var buffer = try? await response.body.collect(upTo: 64 * 1024),
            let json = try? JSONParser.parse(buffer.readBytes(length: buffer.readableBytes) ?? []),
            let version = json["version"]?.stringValue
        else { return "UNKNOWN" }
        learn(version, for: instance.projectID)
        return version
    }
}
