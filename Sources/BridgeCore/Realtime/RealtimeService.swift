import Logging
import ServiceLifecycle

/// Keeps one Realtime connection per instance with a `realtime:` section, in step with the live
/// configuration: after each install it starts new ones, stops removed ones and restarts only
/// those whose `RealtimeTarget` changed.
struct RealtimeService: Service {
    let state: BridgeState
    let client: AppwriteClient
    let hub: BridgeEventHub
    let metrics: BridgeMetrics?
    let logger: Logger

    private struct Running {
        var target: RealtimeTarget
        var task: Task<Void, Never>
    }

    func run() async {
        await untilGracefulShutdown { [self] in await keepInStep() }
    }

    private func keepInStep() async {
        // Unstructured tasks, because each must be cancellable on its own when a reload changes
        // its instance; every one is cancelled and awaited before this returns.
        var running: [String: Running] = [:]
        func reconcile() async {
            let config = state.current.config
            var wanted: [String: RealtimeTarget] = [:]
            for instance in config.instances {
                if let target = RealtimeTarget(instance, stateDirectory: config.outbox.stateDirectory) { wanted[instance.projectID] = target }
            }
            for (projectID, entry) in running where wanted[projectID] != entry.target {
                entry.task.cancel()
                await entry.task.value
                running[projectID] = nil
                if wanted[projectID] == nil {
                    state.realtime.remove(projectID)
                    logger.info("Realtime stopped for \(projectID)", metadata: ["project_id": "\(projectID)"])
                }
            }
            for (projectID, target) in wanted where running[projectID] == nil {
                let connection = RealtimeConnection(
                    target: target,
                    client: client,
                    hub: hub,
                    board: state.realtime,
                    metrics: metrics,
                    logger: logger
                )
                running[projectID] = Running(target: target, task: Task { await connection.run() })
            }
        }
        await reconcile()
        // Ends when graceful shutdown cancels it.
        for await _ in state.installs.changes { await reconcile() }
        for entry in running.values { entry.task.cancel() }
        for entry in running.values { await entry.task.value }
    }
}
