import ServiceLifecycle

/// Runs `body` until it returns or graceful shutdown begins, then cancels it (a loop over an
/// `AsyncStream` ends on cancellation). ServiceLifecycle's `cancelOnGracefulShutdown()` does the
/// same with swift-async-algorithms' `merge`, whose cancellation handler takes a lock that a
/// concurrent resume may hold while it waits for the cancelled task's own status lock: a daemon
/// whose start failed (its port taken) then hung instead of exiting, about 1 run in 28.
func untilGracefulShutdown(_ body: @escaping @Sendable () async -> Void) async {
    await withTaskGroup(of: Void.self) { group in
        group.addTask { await body() }
        group.addTask { try? await gracefulShutdown() }
        await group.next()
        group.cancelAll()
    }
}
