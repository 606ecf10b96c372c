import ServiceLifecycle

/// Pets systemd's watchdog while the process runs and reports STOPPING=1 when graceful shutdown
/// begins, before the HTTP server drains.
struct SystemdService: Service {
    let notifier: SystemdNotifier
    let watchdogInterval: Duration?

    func run() async throws {
        // Returning early would end the whole service group, so an idle notifier still waits.
        if let watchdogInterval, notifier.isActive {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                notifier.watchdog()
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: watchdogInterval) }
            }
        } else {
            try? await gracefulShutdown()
        }
        notifier.stopping()
    }
}
