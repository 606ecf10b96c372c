import Foundation
import Synchronization

/// One consistent view of the running configuration. A request takes one snapshot when it starts
/// and uses it to the end, so a reload can never show it half of the old and half of the new.
public struct ConfigSnapshot: Sendable {
    /// Starts at 1 and grows by one with every successful reload.
    public var generation: Int
    public var config: BridgeConfig
    public var loadedAt: Date
}

/// Owns the live configuration and the health of each instance. Both sit behind `Mutex`es held
/// only for a copy or an assignment, never across an `await`.
public final class BridgeState: Sendable {
    private let snapshot: Mutex<ConfigSnapshot>
    private let healthByProject: Mutex<[String: CheckedHealth]>
    private let lastReloadFailure = Mutex<ReloadFailure?>(nil)
    /// The HTTP requests being handled now, for the shutdown message.
    public let requests = InFlightRequests()
    /// Fires after every install and every recorded health, for the `/api/events` announcements.
    public let changes = ChangeSignal()
    /// Fires after every install: the Realtime connections compare their settings.
    let installs = ChangeSignal()
    /// Each instance's Realtime socket; its changes are announced through `changes`.
    public let realtime: RealtimeStatusBoard

    /// Health is stored with the instance settings it was measured for, so the result of a check
    /// that raced with a reload can never be pinned on the new settings.
    private struct CheckedHealth {
        var instance: InstanceConfig
        var health: InstanceHealth
    }

    public init(config: BridgeConfig, now: Date = Date()) {
        snapshot = Mutex(ConfigSnapshot(generation: 1, config: config, loadedAt: now))
        healthByProject = Mutex([:])
        realtime = RealtimeStatusBoard(changes: changes)
    }

    public var current: ConfigSnapshot { snapshot.withLock { $0 } }

    /// Installs a new configuration with the health already measured for its new or changed
    /// instances; unchanged instances keep theirs. Returns the new generation.
    @discardableResult
    public func install(_ config: BridgeConfig, measured: [String: InstanceHealth], now: Date = Date()) -> Int {
        healthByProject.withLock { table in
            var next: [String: CheckedHealth] = [:]
            for instance in config.instances {
                if let health = measured[instance.projectID] {
                    next[instance.projectID] = CheckedHealth(instance: instance, health: health)
                } else if let kept = table[instance.projectID], kept.instance == instance {
                    next[instance.projectID] = kept
                }
            }
            table = next
        }
        let generation = snapshot.withLock { current in
            current = ConfigSnapshot(generation: current.generation + 1, config: config, loadedAt: now)
            return current.generation
        }
        lastReloadFailure.withLock { $0 = nil }
        changes.notify()
        installs.notify()
        return generation
    }

    /// The last reload failed and the running configuration stays; cleared by the next `install`.
    public func recordReloadFailure(_ error: ConfigError, now: Date = Date()) {
        let generation = current.generation
        lastReloadFailure.withLock { $0 = ReloadFailure(error: error, servingGeneration: generation, failedAt: now) }
    }

    public var reloadFailure: ReloadFailure? { lastReloadFailure.withLock { $0 } }

    public func health(of projectID: String) -> InstanceHealth {
        healthByProject.withLock { $0[projectID]?.health } ?? .pending
    }

    /// Records a check result if `instance` is still what the configuration says; returns the
    /// previous health, or nil when the result was stale and dropped.
    @discardableResult
    public func record(_ health: InstanceHealth, for instance: InstanceConfig) -> InstanceHealth? {
        guard current.config.instance(projectID: instance.projectID) == instance else { return nil }
        let previous = healthByProject.withLock { table in
            let stored = table[instance.projectID]
            let previous = stored?.instance == instance ? stored?.health ?? .pending : .pending
            table[instance.projectID] = CheckedHealth(instance: instance, health: health)
            return previous
        }
        changes.notify()
        return previous
    }

    /// "2 instances ok, 1 invalid_key": the one-line summary for logs and systemd's STATUS=. While
    /// the last reload has failed it comes first ("reload failed: bridge.yaml:7:14: …; serving
    /// generation 2; 2 instances ok"), so `systemctl status` shows it until a reload succeeds.
    public var summary: String {
        guard let failure = reloadFailure else { return instanceSummary }
        return "\(failure.summary); \(instanceSummary)"
    }

    /// The instance states alone: "2 instances ok, 1 invalid_key".
    public var instanceSummary: String {
        let config = current.config
        guard !config.instances.isEmpty else { return config.noInstancesMessage }
        let states = config.instances.map { health(of: $0.projectID).state }
        var counts: [(InstanceState, Int)] = []
        for state in InstanceState.allCases {
            let count = states.filter { $0 == state }.count
            if count > 0 { counts.append((state, count)) }
        }
        let parts = counts.enumerated().map { index, entry in
            index == 0
                ? "\(entry.1) instance\(entry.1 == 1 ? "" : "s") \(entry.0.rawValue)" : "\(entry.1) \(entry.0.rawValue)"
        }
        return (parts + capabilityGaps).joined(separator: ", ")
    }

    /// "storage missing_scope on home1234": an instance that works but lacks a capability it is
    /// configured for (messages.write, files.write), which its overall state does not show.
    private var capabilityGaps: [String] {
        current.config.instances.flatMap { instance -> [String] in
            let checked = self.health(of: instance.projectID)
            guard checked.state == .ok else { return [] }
            return [("messaging", checked.messaging), ("storage", checked.storage)].compactMap { name, capability in
                guard let capability, capability.state != .ok else { return nil }
                return "\(name) \(capability.state.rawValue) on \(instance.projectID)"
            }
        }
    }
}
