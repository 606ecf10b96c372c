import Foundation
import Logging

/// What one reload did, for logs and `POST /api/reload`.
public struct ReloadOutcome: Sendable {
    public var generation: Int
    public var error: ConfigError?
    public var added: [String] = []
    public var removed: [String] = []
    public var changed: [String] = []
    public var notes: [String] = []
    /// Tokens and sections other than `instances` that changed.
    public var settings = SettingsChanges()

    public var succeeded: Bool { error == nil }
}

/// Re-reads bridge.yaml and swaps it in whole. An actor so two reloads (SIGHUP and the API) run
/// one after the other rather than interleaving their checks.
public actor ConfigReloader {
    let configPath: String
    let loader: ConfigLoader
    let state: BridgeState
    let checker: InstanceChecker
    let logger: Logger
    let notifier: SystemdNotifier
    let metrics: BridgeMetrics?

    public init(
        configPath: String,
        loader: ConfigLoader,
        state: BridgeState,
        checker: InstanceChecker,
        logger: Logger,
        notifier: SystemdNotifier = SystemdNotifier(environment: [:]),
        metrics: BridgeMetrics? = nil
    ) {
        self.metrics = metrics
        self.configPath = configPath
        self.loader = loader
        self.state = state
        self.checker = checker
        self.logger = logger
        self.notifier = notifier
    }

    public func reload(trigger: String) async -> ReloadOutcome {
        notifier.reloading()
        let outcome = await loadAndSwap(trigger: trigger)
        metrics?.recordReload(succeeded: outcome.succeeded, generation: outcome.generation)
        // After a failure the summary starts with "reload failed: …" until a reload succeeds.
        notifier.ready(status: state.summary)
        return outcome
    }

    private func loadAndSwap(trigger: String) async -> ReloadOutcome {
        let old = state.current
        logger.info("reloading configuration", metadata: ["trigger": "\(trigger)", "file": "\(configPath)"])
        var config: BridgeConfig
        do {
            config = try loader.load(path: configPath)
        } catch {
            logger.error(
                "reload failed, still serving generation \(old.generation): \(error.description)",
                metadata: ["file": "\(error.file)", "line": "\(error.line ?? 0)", "column": "\(error.column ?? 0)"]
            )
            state.recordReloadFailure(error)
            return ReloadOutcome(generation: old.generation, error: error)
        }
        var outcome = ReloadOutcome(generation: old.generation)
        if config.listen != old.config.listen {
            let note =
                "listen changed from \(old.config.listen) to \(config.listen); restart the bridge to move the listener (still serving on \(old.config.listen))"
            logger.warning("\(note)")
            outcome.notes.append(note)
            config.listen = old.config.listen
        }
        if config.outbox.stateDirectory != old.config.outbox.stateDirectory {
            let note =
                "state_dir changed from \(old.config.outbox.stateDirectory) to \(config.outbox.stateDirectory); restart the bridge to move the outbox (still using the old one)"
            logger.warning("\(note)")
            outcome.notes.append(note)
            config.outbox.stateDirectory = old.config.outbox.stateDirectory
        }
        for warning in config.warnings { logger.warning("\(warning)") }
        outcome.settings = SettingsChanges(from: old.config, to: config)

        let oldByID = Dictionary(uniqueKeysWithValues: old.config.instances.map { ($0.projectID, $0) })
        let newIDs = Set(config.instances.map(\.projectID))
        outcome.removed = old.config.instances.map(\.projectID).filter { !newIDs.contains($0) }
        let toCheck = config.instances.filter { oldByID[$0.projectID] != $0 }
        outcome.added = toCheck.filter { oldByID[$0.projectID] == nil }.map(\.projectID)
        outcome.changed = toCheck.filter { oldByID[$0.projectID] != nil }.map(\.projectID)

        let measured = await withTaskGroup(of: (String, InstanceHealth).self) { group in
            for instance in toCheck {
                group.addTask { [checker] in (instance.projectID, await checker.check(instance)) }
            }
            var results: [String: InstanceHealth] = [:]
            for await (projectID, health) in group { results[projectID] = health }
            return results
        }
        let before = Dictionary(uniqueKeysWithValues: toCheck.map { ($0.projectID, state.health(of: $0.projectID)) })
        outcome.generation = state.install(config, measured: measured)
        logChecks(toCheck, measured: measured, before: before)
        logger.info(
            "configuration generation \(outcome.generation) active",
            metadata: [
                "added": "\(outcome.added)", "removed": "\(outcome.removed)", "changed": "\(outcome.changed)",
                "settings": "\(outcome.settings.summary)",
                "instances": "\(state.summary)",
            ]
        )
        return outcome
    }

    /// Each checked instance's result, as at start. A large file changed wholesale (hundreds of
    /// instances) gets a line per instance whose state changed and one summary line instead of
    /// a line per instance.
    private func logChecks(_ checked: [InstanceConfig], measured: [String: InstanceHealth], before: [String: InstanceHealth]) {
        let quietAbove = 10
        var unchanged = 0
        for instance in checked {
            guard let health = measured[instance.projectID] else { continue }
            let previous = before[instance.projectID]
            if checked.count > quietAbove, let previous, previous.state == health.state, previous.reason == health.reason {
                unchanged += 1
            } else {
                InstanceMonitor.log(health, of: instance, logger: logger)
            }
        }
        if unchanged > 0 {
            logger.info("\(unchanged) of \(checked.count) checked instances kept their state", metadata: ["instances": "\(state.summary)"])
        }
    }
}
