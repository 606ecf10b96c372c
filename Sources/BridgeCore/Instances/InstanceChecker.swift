import Foundation

/// Proves an instance usable in side-effect-free calls: `GET /health` (URL, project and key are
/// right) and the scope probes (the key may create executions, and read them; send messages and
/// store files where the instance does).
public struct InstanceChecker: Sendable {
    let client: AppwriteClient
    let metrics: BridgeMetrics?
    /// Skips the network: for air-gapped starts and for measuring the bridge without Appwrite.
    let offline: Bool

    public init(client: AppwriteClient, metrics: BridgeMetrics? = nil, offline: Bool = false) {
        self.client = client
        self.metrics = metrics
        self.offline = offline
    }

    public func check(_ instance: InstanceConfig, now: @Sendable () -> Date = Date.init) async -> InstanceHealth {
        var health: InstanceHealth
        if offline {
            health = InstanceHealth(
                wholly: .unchecked,
                reason: "network checks are off (--offline)",
                checkedAt: now(),
                for: instance
            )
        } else {
            health = await measure(instance, now: now)
        }
        metrics?.recordInstanceCheck(projectID: instance.projectID, state: health.state)
        return health
    }

    private func measure(_ instance: InstanceConfig, now: @Sendable () -> Date) async -> InstanceHealth {
        do {
            let health = try await client.health(of: instance)
            if let problem = Self.healthProblem(health, instance: instance) {
                return InstanceHealth(
                    wholly: problem.state,
                    reason: problem.reason,
                    checkedAt: now(),
                    appwriteType: health.error?.type,
                    for: instance
                )
            }
            let probe = try await client.probeExecutionScope(of: instance)
            let outcome = Self.scopeOutcome(probe)
            var result = InstanceHealth(state: outcome.state, reason: outcome.reason, checkedAt: now(), appwriteType: probe.error?.type)
            let readProbe = try await client.probeReadScope(of: instance)
            let read = Self.readScopeOutcome(readProbe)
            result.read = CapabilityHealth(state: read.state, reason: read.reason)
            if instance.messaging {
                let messagingProbe = try await client.probeMessagingScope(of: instance)
                let messaging = Self.scopeOutcome(messagingProbe, scope: "messages.write")
                result.messaging = CapabilityHealth(state: messaging.state, reason: messaging.reason)
            }
            try await checkStorage(of: instance, into: &result)
            return result
        } catch {
            let state: InstanceState
            switch error {
            case .unreachable, .answerLost, .timeout: state = .unreachable
            case .invalidResponse: state = .error
            }
            return InstanceHealth(wholly: state, reason: "\(instance.baseURL): \(error.reason)", checkedAt: now(), for: instance)
        }
    }

    static func healthProblem(_ response: AppwriteResponse, instance: InstanceConfig) -> (state: InstanceState, reason: String)? {
        if response.status == 200 {
            guard case .object(let object)? = response.json, object["status"] != nil else {
                return (.error, "\(instance.baseURL)/health did not answer like Appwrite (HTTP 200 without a health status)")
            }
            return nil
        }
        guard let error = response.error else {
            return (
                .error,
                "\(instance.baseURL)/health answered HTTP \(response.status), not an Appwrite error; is url the API endpoint ending in /v1?"
            )
        }
        switch error.type {
        case "user_unauthorized", "project_key_expired", "general_unauthorized_scope", "project_key_invalid":
            return (.invalidKey, "Appwrite refused the API key: \(error.explanation)")
        case "project_not_found":
            return (.projectNotFound, "Appwrite has no project '\(instance.projectID)': \(error.explanation)")
        default:
            return (.error, "health check failed with HTTP \(response.status) \(error.type): \(error.explanation)")
        }
    }

    /// Past the scope check, Appwrite refuses the probe's IDs (400), or older servers look them up
    /// (404): either way the key may read executions.
    static func readScopeOutcome(_ response: AppwriteResponse) -> (state: InstanceState, reason: String?) {
        if response.status == 404, let type = response.error?.type, type == "function_not_found" || type == "execution_not_found" {
            return (.ok, nil)
        }
        let outcome = scopeOutcome(response, scope: "executions.read")
        guard outcome.state == .missingScope else { return outcome }
        return (.missingScope, (outcome.reason ?? "") + " (function_wait, callbacks and execution updates need it)")
    }

    static func scopeOutcome(_ response: AppwriteResponse, scope: String = "executions.write") -> (state: InstanceState, reason: String?) {
        guard let error = response.error else {
            return (.error, "the scope probe answered HTTP \(response.status) without an Appwrite error")
        }
        switch (response.status, error.type) {
        case (400, _) where error.type != "general_unauthorized_scope":
            return (.ok, nil)
        case (401, "general_unauthorized_scope"):
            return (.missingScope, "the API key lacks the \(scope) scope: \(error.explanation)")
        case (401, _):
            return (.invalidKey, "Appwrite refused the API key: \(error.explanation)")
        default:
            return (.error, "the scope probe failed with HTTP \(response.status) \(error.type): \(error.explanation)")
        }
    }
}
