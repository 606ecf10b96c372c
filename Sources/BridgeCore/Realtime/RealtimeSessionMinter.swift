import AsyncHTTPClient
import Foundation
import NIOHTTP1

/// `appwrite-bridge realtime-session`: creates one session for the dedicated Realtime user with a
/// key that holds `sessions.write` (`POST /v1/users/{userId}/sessions`), and writes its secret to
/// a file only the bridge may read. Run once (Appwrite's sessions last a year by default, and a
/// user keeps its 10 newest): never on each connect.
public enum RealtimeSessionMinter {
    public struct Minted: Sendable {
        public var sessionID: String
        public var expire: String
    }

    public enum Failure: Error, CustomStringConvertible {
        case appwrite(status: Int, message: String)
        case unreachable(String)
        case cannotWrite(path: String, reason: String)

        public var description: String {
            switch self {
            case .appwrite(let status, let message): "Appwrite answered HTTP \(status): \(message)"
            case .unreachable(let reason): reason
            case .cannotWrite(let path, let reason): "cannot write \(path): \(reason)"
            }
        }
    }

    public static func mint(
        baseURL: String,
        projectID: String,
        userID: String,
        key: Secret,
        tls: UpstreamTLS,
        writingTo path: String
    ) async throws(Failure) -> Minted {
        var instance = InstanceConfig(projectID: projectID, baseURL: baseURL, apiKey: key)
        instance.tls = tls
        let httpClient = AppwriteClient.makeHTTPClient()
        let response: AppwriteResponse
        do {
            response = try await AppwriteClient(httpClient: httpClient).send(.POST, "/users/\(userID)/sessions", body: Array("{}".utf8), to: instance)
        } catch {
            try? await httpClient.shutdown()
            throw .unreachable(error.reason)
        }
        try? await httpClient.shutdown()
        guard let session = response.object, let secret = session["secret"]?.stringValue, !secret.isEmpty else {
            let message = response.error.map { "\($0.explanation) (\($0.type))" } ?? "no session secret in the answer"
            throw .appwrite(status: response.status, message: message)
        }
        try write(secret, to: path)
        return Minted(sessionID: session["$id"]?.stringValue ?? "", expire: session["expire"]?.stringValue ?? "")
    }

    /// Mode 0600 from the first byte on, whatever the umask: the secret is never world-readable.
    static func write(_ secret: String, to path: String) throws(Failure) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        guard fchmod(descriptor, 0o600) == 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        let bytes = Array((secret + "\n").utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
    }
}
