import Foundation
import Logging
import ServiceLifecycle

/// Checks every instance at start, re-checks failing ones with exponential backoff and healthy
/// ones every `recheckInterval`, and logs each change of state once. In between it sleeps until
/// the next check is due, a call asks for one (`CheckRequests`) or a reload changes the instances.
public struct InstanceMonitor: Service {
    let state: BridgeState
    let checker: InstanceChecker
    let logger: Logger
    let recheckInterval: Duration
    let firstRetry: Duration
    let notifier: SystemdNotifier
    let checkRequests: CheckRequests

    public init(
        state: BridgeState,
        checker: InstanceChecker,
        logger: Logger,
        recheckInterval: Duration = .seconds(300),
        firstRetry: Duration = .seconds(5),
        notifier: SystemdNotifier = SystemdNotifier(environment: [:]),
        checkRequests: CheckRequests = CheckRequests()
    ) {
        self.checkRequests = checkRequests
        self.state = state
        self.checker = checker
        self.logger = logger
        self.recheckInterval = recheckInterval
        self.firstRetry = firstRetry
        self.notifier = notifier
    }

    private struct Schedule {
        var due: ContinuousClock.Instant
        var failures: Int
        var instance: InstanceConfig
    }

    public func run() async throws {
        let clock = ContinuousClock()
        var schedules: [String: Schedule] = [:]
        // Between checks the monitor sleeps until the next one is due, or until a call puts an
        // instance in doubt or a reload changes the configuration: no polling while idle.
        let wakeup = Wakeup(rungBy: [checkRequests.requested, state.changes])
        defer { wakeup.stopListening() }
        var scannedGeneration: Int?
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let now = clock.now
            let snapshot = state.current
            let requested = checkRequests.take()
            let nextDue = schedules.values.map(\.due).min()
            // The state also changes with every health recorded and every item queued: only a
            // new configuration, a request or a due check is worth a look at every instance.
            if snapshot.generation == scannedGeneration, requested.isEmpty, nextDue.map({ $0 > now }) ?? true {
                await wakeup.waitUnlessShuttingDown(until: nextDue)
                continue
            }
            scannedGeneration = snapshot.generation
            let instances = snapshot.config.instances
            var due: [InstanceConfig] = []
            for instance in instances {
                if let schedule = schedules[instance.projectID], schedule.instance == instance {
                    // A call that could not reach a healthy instance: check it now. A failing one
                    // keeps its backoff, so a burst of failed calls cannot hammer Appwrite.
                    let doubted = requested.contains(instance.projectID) && schedule.failures == 0
                    if schedule.due <= now || doubted { due.append(instance) }
                } else if state.health(of: instance.projectID).state == .pending {
                    due.append(instance)
                } else {
                    // Checked by a reload just now: start its normal cycle from here.
                    let health = state.health(of: instance.projectID)
                    schedules[instance.projectID] = nextSchedule(
                        for: instance,
                        failures: health.state == .ok ? 0 : 1,
                        health: health,
                        from: now
                    )
                }
            }
            let live = Set(instances.map(\.projectID))
            schedules = schedules.filter { live.contains($0.key) }

            let results = await withTaskGroup(of: (InstanceConfig, InstanceHealth).self) { group in
                for instance in due {
                    group.addTask { [checker] in (instance, await checker.check(instance)) }
                }
                var results: [(InstanceConfig, InstanceHealth)] = []
                for await result in group { results.append(result) }
                return results
            }
            var changed = false
            for (instance, health) in results {
                guard let previous = state.record(health, for: instance) else { continue }
                if !health.sameOutcome(as: previous) {
                    changed = true
                    Self.log(health, of: instance, logger: logger)
                }
                let failures = health.state == .ok ? 0 : (schedules[instance.projectID]?.failures ?? 0) + 1
                schedules[instance.projectID] = nextSchedule(for: instance, failures: failures, health: health, from: clock.now)
            }
            // A result dropped as stale means a reload raced the check: the new generation makes
            // the next pass look at every instance again.
            if changed { notifier.status(state.summary) }
        }
    }

    private func nextSchedule(for instance: InstanceConfig, failures: Int, health: InstanceHealth, from now: ContinuousClock.Instant)
        -> Schedule
    {
        let delay: Duration
        if health.state == .ok || failures == 0 {
            delay = recheckInterval
        } else {
            let backoff = firstRetry * (1 << min(failures - 1, 10))
            delay = min(backoff, recheckInterval)
        }
        return Schedule(due: now + delay, failures: failures, instance: instance)
    }

    static func log(_ health: InstanceHealth, of instance: InstanceConfig, logger: Logger) {
        var metadata: Logger.Metadata = [
            "project_id": "\(instance.projectID)", "instance": "\(instance.name)", "state": "\(health.state.rawValue)",
        ]
        if let reason = health.reason { metadata["reason"] = "\(reason)" }
        if let messaging = health.messaging {
            metadata["messaging"] = "\(messaging.state.rawValue)"
            if let reason = messaging.reason { metadata["messaging_reason"] = "\(reason)" }
        }
        if let read = health.read, read.state != .ok {
            metadata["read"] = "\(read.state.rawValue)"
            if let reason = read.reason { metadata["read_reason"] = "\(reason)" }
        }
        let messagingProblem = health.messaging.flatMap { $0.state == .ok ? nil : $0 }
        if health.state == .ok, let messagingProblem {
            logger.warning(
                "instance \(instance.projectID) is ok for executions, but messaging is \(messagingProblem.state.rawValue): \(messagingProblem.reason ?? "no reason given")",
                metadata: metadata
            )
        } else if health.state == .ok {
            logger.info("instance \(instance.projectID) is ok", metadata: metadata)
        } else {
            logger.warning(
                "instance \(instance.projectID) is \(health.state.rawValue): \(health.reason ?? "no reason given")",
                metadata: metadata
            )
        }
    }
}
