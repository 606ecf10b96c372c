import Foundation
import Logging
import ServiceLifecycle

/// Hands queued executions to Appwrite: per instance strictly in order (the head must be
/// delivered or dropped before the next is tried), instances independently of each other.
///
/// An execution whose earlier attempt may have reached Appwrite is looked for first
/// (ExecutionReconciler.swift); messages and files carry IDs Appwrite refuses twice.
///
/// A failed head waits with exponential backoff and jitter; it is tried at once when the process
/// starts, and again as soon as the instance check sees the instance healthy after the failure.
public struct OutboxDelivery: Service {
    let outbox: Outbox
    let state: BridgeState
    let pipeline: ExecutionPipeline
    let logger: Logger
    let firstRetry: Duration
    let maximumRetry: Duration
    var reconciler: ExecutionReconciler { ExecutionReconciler(client: pipeline.client) }
    /// How often the DELETE of items delivered during a full disk is retried.
    let purgeInterval: Duration = .seconds(2)

    public init(
        outbox: Outbox,
        state: BridgeState,
        pipeline: ExecutionPipeline,
        logger: Logger,
        firstRetry: Duration = .seconds(1),
        maximumRetry: Duration = .seconds(60)
    ) {
        self.outbox = outbox
        self.state = state
        self.pipeline = pipeline
        self.logger = logger
        self.firstRetry = firstRetry
        self.maximumRetry = maximumRetry
    }

    enum Outcome: Sendable {
        /// The ID Appwrite gave the execution, message or file; `note` says how delivery was
        /// established when it was not a plain 201/202 (kept in the outbox's history).
        case delivered(createdID: String, note: String? = nil)
        case retry(reason: String)
        case drop(reason: String)
    }

    private struct Backoff {
        var failures = 0
        var notBefore: ContinuousClock.Instant
        var failedAt: Date
        var reason: String
    }

    public func run() async throws {
        var backoffByProject: [String: Backoff] = [:]
        var nextPurge = ContinuousClock.now
        // Between deliveries it sleeps until an item is queued, an instance's health is recorded
        // (a failed head may go at once when its instance is ok again), or the earliest retry or
        // purge is due: nothing is polled while the outbox is empty or waiting out a backoff.
        let wakeup = Wakeup(rungBy: [outbox.backlogChanged, state.changes])
        defer { wakeup.stopListening() }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            var wakeAt: ContinuousClock.Instant?
            if outbox.store.buriedCount > 0 {
                if ContinuousClock.now >= nextPurge {
                    nextPurge = .now + purgeInterval
                    await purgeBuried()
                }
                wakeAt = nextPurge
            }
            guard !outbox.isEmpty else {
                backoffByProject = [:]
                await wakeup.waitUnlessShuttingDown(until: wakeAt)
                continue
            }
            let heads: [OutboxItem]
            do {
                heads = try await outbox.store.heads()
            } catch {
                logger.error("cannot read the outbox at \(outbox.path): \(error)")
                try? await LoopSleep.sleep(for: .seconds(5))
                continue
            }
            let now = ContinuousClock.now
            let due = heads.filter { head in
                guard let backoff = backoffByProject[head.projectID] else { return true }
                if backoff.notBefore <= now { return true }
                // The instance check saw it healthy after our failure: the outage is over.
                let health = state.health(of: head.projectID)
                return health.state == .ok && (health.checkedAt ?? .distantPast) > backoff.failedAt
            }
            guard !due.isEmpty else {
                let retries = heads.compactMap { backoffByProject[$0.projectID]?.notBefore }
                await wakeup.waitUnlessShuttingDown(until: (retries + [wakeAt].compactMap { $0 }).min())
                continue
            }
            let results = await withTaskGroup(of: (OutboxItem, Outcome).self) { group in
                for item in due {
                    group.addTask { (item, await deliver(item)) }
                }
                var results: [(OutboxItem, Outcome)] = []
                for await result in group { results.append(result) }
                return results
            }
            for (item, outcome) in results {
                await settle(item, outcome, backoff: &backoffByProject[item.projectID])
            }
        }
    }

    private func settle(_ item: OutboxItem, _ outcome: Outcome, backoff: inout Backoff?) async {
        var metadata: Logger.Metadata = [
            "outbox_id": "\(item.id)", "project_id": "\(item.projectID)", "kind": "\(item.request.kind)",
            "target_id": "\(item.request.targetID)",
            "attempts": "\(item.attempts + 1)",
        ]
        do {
            switch outcome {
            case .delivered(let createdID, let note):
                let history = OutboxHistoryEntry(item, outcome: "delivered", createdID: createdID, note: note)
                try await outbox.remove(id: item.id, outcome: "delivered", history: history)
                metadata["created_id"] = "\(createdID)"
                if let note { metadata["note"] = "\(note)" }
                logger.info("queued \(item.request.kind) delivered", metadata: metadata)
                if outbox.store.isBuried(item.id) {
                    logger.warning(
                        "cannot delete a delivered execution from the outbox at \(outbox.path) (is the disk full?); it will not be sent again, and the delete is retried",
                        metadata: metadata
                    )
                }
                backoff = nil
            case .drop(let reason):
                let history = OutboxHistoryEntry(item, outcome: "dropped", note: reason)
                try await outbox.remove(id: item.id, outcome: "dropped", history: history)
                metadata["reason"] = "\(reason)"
                logger.error("queued execution dropped: \(reason)", metadata: metadata)
                backoff = nil
            case .retry(let reason):
                let failures = (backoff?.failures ?? 0) + 1
                let delay = retryDelay(afterFailures: failures)
                let nextAttempt = Date().addingTimeInterval(delay.timeInterval)
                try await outbox.store.recordFailure(id: item.id, error: reason, nextAttemptAt: nextAttempt)
                metadata["reason"] = "\(reason)"
                metadata["next_attempt_at"] = "\(Timestamp.iso8601(nextAttempt))"
                // One line per change of reason, not one per attempt: an outage can last a day.
                if backoff?.reason != reason {
                    logger.warning("queued executions for \(item.projectID) are waiting: \(reason)", metadata: metadata)
                } else {
                    logger.debug("outbox delivery failed again", metadata: metadata)
                }
                backoff = Backoff(failures: failures, notBefore: .now + delay, failedAt: Date(), reason: reason)
            }
        } catch {
            logger.error("cannot update the outbox at \(outbox.path): \(error)", metadata: metadata)
            backoff = Backoff(
                failures: (backoff?.failures ?? 0) + 1,
                notBefore: .now + .seconds(5),
                failedAt: Date(),
                reason: "\(error)"
            )
        }
    }

    /// Deletes from disk what was delivered while SQLite could not delete (a full disk).
    private func purgeBuried() async {
        let before = outbox.store.buriedCount
        do {
            try await outbox.store.purgeBuried()
            logger.notice("deleted \(before) delivered item(s) from the outbox that a full disk had kept there")
        } catch {
            logger.debug("the outbox still cannot delete \(before) delivered item(s): \(error)")
        }
    }

    /// Exponential from `firstRetry`, capped at `maximumRetry`, with "equal jitter" (half fixed,
    /// half random) so many bridges behind one link do not retry in lockstep.
    func retryDelay(afterFailures failures: Int) -> Duration {
        let exponential = firstRetry * (1 << min(failures - 1, 20))
        let capped = min(exponential, maximumRetry)
        return capped / 2 + capped / 2 * Double.random(in: 0...1)
    }

    func deliver(_ item: OutboxItem, now: Date = Date()) async -> Outcome {
        let settings = state.current.config.outbox
        let age = now.timeIntervalSince(item.createdAt)
        let maximumAge = Double(settings.maximumAge.components.seconds)
        if age > maximumAge {
            return .drop(reason: "not delivered within outbox.max_age (\(Int(maximumAge)) s)")
        }
        guard let instance = state.current.config.instance(projectID: item.projectID) else {
            return .retry(reason: "instance '\(item.projectID)' is not in the configuration any more")
        }
        var request = item.request
        if let text = request.scheduledAt, let schedule = AppwriteRules.Schedule(parsing: text),
            schedule.date.timeIntervalSince(now) < AppwriteRules.minimumScheduleLead
        {
            switch settings.lateSchedule {
            case .drop:
                return .drop(reason: "its schedule \(text) passed while Appwrite was unreachable (outbox.late_schedule: drop)")
            case .run:
                request = request.withoutSchedule()
            }
        }
        var resendNote: String?
        if case .execution(let execution) = request {
            if item.mayExist {
                switch await reconciler.look(for: execution, queuedAt: item.createdAt, on: instance) {
                case .found(let executionID):
                    return .delivered(
                        createdID: executionID,
                        note: "an earlier attempt had created execution \(executionID) (its answer was lost); not sent again"
                    )
                case .notFound:
                    break
                case .unknown(let reason):
                    resendNote =
                        "sent again without knowing whether an earlier attempt had created an execution (\(reason)); it may have run twice"
                    logger.warning(
                        "cannot tell whether an earlier attempt created an execution; sending it again, so it may run twice: \(reason)",
                        metadata: ["outbox_id": "\(item.id)", "project_id": "\(item.projectID)", "function_id": "\(execution.functionID)"]
                    )
                case .unavailable(let reason):
                    return .retry(reason: reason)
                }
            } else {
                // From now on a lost answer or a restart leaves this item unsure: look first next
                // time. A full disk cannot take the flag either; the item still goes (as a delete
                // that fails does not stop the queue), and only a restart could then send it twice.
                do {
                    try await outbox.store.markMayExist(id: item.id)
                } catch {
                    logger.debug("cannot mark outbox item \(item.id) as possibly sent: \(error)")
                }
            }
        }
        let response: AppwriteResponse
        do {
            let call = PipelineCall(origin: .outbox, config: state.current.config, instance: instance, request: request.upstream)
            guard case .answered(let answer) = try await pipeline.run(call) else { return .retry(reason: "not answered") }
            response = answer
        } catch {
            if case .upstreamFailed(_, let failure) = error { return .retry(reason: failure.reason) }
            return .drop(reason: error.message)
        }
        if case .upload(let upload) = request { return upload.outcome(of: response) }
        if (200..<300).contains(response.status) {
            return .delivered(createdID: Self.createdID(response) ?? "?", note: resendNote)
        }
        let description = "HTTP \(response.status)" + (response.error.map { " \($0.type): \($0.explanation)" } ?? "")
        // A message's ID is fixed before its first attempt: "already exists" means an earlier
        // attempt went out and its answer was lost. Delivered, not a failure.
        if case .message(let message) = request, response.status == 409, response.error?.type == "message_already_exists",
            message.messageID != AppwriteID.placeholder
        {
            return .delivered(
                createdID: message.messageID,
                note: "Appwrite already had message \(message.messageID) from an earlier attempt whose answer was lost; not sent again"
            )
        }
        // 401/403 too: a key revoked or rotated during the outage is fixed by the operator, and
        // the queue should then go out rather than be lost.
        if Outbox.retryableStatuses.contains(response.status) || response.status == 401 || response.status == 403
            || response.status == 408
        {
            return .retry(reason: "Appwrite answered \(description)")
        }
        return .drop(reason: "Appwrite refused it: \(description)")
    }

    private static func createdID(_ response: AppwriteResponse) -> String? {
        response.object?["$id"]?.stringValue
    }
}
