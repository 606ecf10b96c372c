import Logging

extension ExecutionPipeline {
    /// A pipeline outside the daemon (`call --config`, tests): no metrics, no health, and an event
    /// hub nobody listens to.
    public static func standalone(client: AppwriteClient, state: BridgeState? = nil, outbox: Outbox? = nil, logger: Logger)
        -> ExecutionPipeline
    {
        ExecutionPipeline(
            client: client,
            limiters: ConcurrencyLimiters(),
            outbox: outbox,
            tracker: ExecutionTracker(client: client, hub: BridgeEventHub(), logger: logger),
            state: state,
            metrics: nil,
            checkRequests: nil,
            logger: logger
        )
    }
}
