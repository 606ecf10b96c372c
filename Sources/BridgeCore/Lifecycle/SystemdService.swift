import Logging
import ServiceLifecycle

/// Pets systemd's watchdog while the process runs and, when graceful shutdown begins and before
/// the HTTP server drains, says what it waits for: a log line and STOPPING=1 with
/// STATUS="stopping: draining N requests (grace S s)".
struct SystemdService: Service {
    let notifier: SystemdNotifier
    let watchdogInterval: Duration?
    var requests: InFlightRequests? = nil
    var shutdownGracePeriod: Duration = .seconds(30)
    var logger: Logger? = nil

    func run() async throws {
        // Returning early would end the whole service group, so an idle notifier still waits.
        if let watchdogInterval, notifier.isActive {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                notifier.watchdog()
                try? await cancelWhenGracefulShutdown { try await LoopSleep.sleep(for: watchdogInterval) }
            }
        } else {
            try? await gracefulShutdown()
        }
        let message = Self.stoppingMessage(requests: requests?.count ?? 0, grace: shutdownGracePeriod)
        logger?.notice("\(message)")
        notifier.stopping(status: message)
    }

    /// "stopping: draining 2 requests (grace 30 s)"
    static func stoppingMessage(requests: Int, grace: Duration) -> String {
        "stopping: draining \(requests) requests (grace \(grace.components.seconds) s)"
    }
}
