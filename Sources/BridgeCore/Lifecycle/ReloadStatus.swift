import Foundation

/// The last reload that failed, kept until the next one succeeds: systemd's STATUS=, `/readyz`
/// and `/api/instances` show it, so a broken bridge.yaml is visible without reading the journal.
public struct ReloadFailure: Sendable, Equatable {
    public var error: ConfigError
    /// The generation still being served.
    public var servingGeneration: Int
    public var failedAt: Date

    /// "reload failed: /etc/appwrite-bridge/bridge.yaml:32:1: …; serving generation 2"
    public var summary: String {
        "reload failed: \(error.description); serving generation \(servingGeneration)"
    }
}

extension BridgeState {
    /// `{"state": "ok", "generation": 2}`, or `"state": "failed"` with the error (the same
    /// `code`/`message`/`file`/`line`/`column` as `POST /api/reload`) and when it happened.
    public var reloadDocument: JSONValue {
        guard let failure = reloadFailure else {
            return .object(JSONObject([("state", "ok"), ("generation", .number(String(current.generation)))]))
        }
        let error = failure.error
        return .object(
            JSONObject([
                ("state", "failed"),
                ("generation", .number(String(failure.servingGeneration))),
                ("failed_at", .string(Timestamp.iso8601(failure.failedAt))),
                ("error", error.document),
            ])
        )
    }
}
