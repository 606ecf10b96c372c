import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// Wires the daemon together: state, Appwrite client, checks, reloads and the HTTP API. Tests
/// build the same application, so what they exercise is what runs under systemd.
public enum BridgeApplication {
    public struct Options: Sendable {
        public var configPath: String
        public var recheckInterval: Duration
        public var firstRetry: Duration
        public var handleSIGHUP: Bool
        /// How long SIGTERM waits for running requests before cancelling them.
        public var shutdownGracePeriod: Duration
        public var environment: [String: String]
        /// No health or scope checks: instances are `unchecked` and calls go through.
        public var offline: Bool

        public init(
            configPath: String,
            recheckInterval: Duration = .seconds(300),
            firstRetry: Duration = .seconds(5),
            handleSIGHUP: Bool = true,
            shutdownGracePeriod: Duration = .seconds(30),
            environment: [String: String] = ProcessInfo.processInfo.environment,
            offline: Bool = false
        ) {
            self.offline = offline
            self.configPath = configPath
            self.recheckInterval = recheckInterval
            self.firstRetry = firstRetry
            self.handleSIGHUP = handleSIGHUP
            self.shutdownGracePeriod = shutdownGracePeriod
            self.environment = environment
        }
    }

    /// The HTTP application with the bridge's background services, and the systemd service that
    /// must be shut down first (so STOPPING=1 goes out before requests drain).
    public static func make(
        config: BridgeConfig,
        options: Options,
        loader: ConfigLoader = ConfigLoader(),
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws(BridgeStartError) -> (application: some ApplicationProtocol, systemd: some Service) {
        let notifier = SystemdNotifier(environment: options.environment)
        let httpClient = AppwriteClient.makeHTTPClient()
        let client = AppwriteClient(httpClient: httpClient)
        let state = BridgeState(config: config)
        let metrics = BridgeMetrics()
        metrics.recordGeneration(state.current.generation)
        let checker = InstanceChecker(client: client, metrics: metrics, offline: options.offline)
        let reloader = ConfigReloader(
            configPath: options.configPath,
            loader: loader,
            state: state,
            checker: checker,
            logger: logger,
            notifier: notifier,
            metrics: metrics
        )
        let checkRequests = CheckRequests()
        let hub = BridgeEventHub(maximumStreams: config.limits.maximumEventStreams, metrics: metrics)
        let tracker = ExecutionTracker(client: client, hub: hub, logger: logger)
        let outbox: Outbox
        do {
            outbox = try await Outbox(path: config.outbox.databasePath, metrics: metrics, changes: state.changes)
        } catch {
            try? await httpClient.shutdown()
            throw .outboxUnavailable(path: config.outbox.databasePath, reason: "\(error)")
        }
        let identity: String
        do {
            identity = try BridgeIdentity.load(stateDirectory: config.outbox.stateDirectory)
        } catch {
            try? await httpClient.shutdown()
            throw .identityUnavailable(error.description)
        }
        let pending = (try? await outbox.store.count()) ?? 0
        if pending > 0 {
            logger.notice("the outbox holds \(pending) queued execution(s); delivering them", metadata: ["outbox": "\(outbox.path)"])
        }

        let pipeline = ExecutionPipeline(
            client: client,
            limiters: ConcurrencyLimiters(metrics: metrics),
            outbox: outbox,
            tracker: tracker,
            state: state,
            metrics: metrics,
            checkRequests: checkRequests,
            logger: logger
        )
        let router = BridgeRouter.make(
            .init(
                state: state,
                pipeline: pipeline,
                reloader: reloader,
                outbox: outbox,
                hub: hub,
                metrics: metrics,
                identity: identity,
                logger: logger
            )
        )

        let descriptors = DescriptorLimit.raiseToHardLimit()
        let connections = ConnectionRegistry(
            maximum: config.limits.maximumConnections ?? ConnectionLimit.defaultMaximum(descriptorLimit: descriptors.after),
            metrics: metrics
        )
        let limitsLine =
            descriptors.after > descriptors.before
            ? "open files limit raised from \(descriptors.before) to \(descriptors.after)"
            : "open files limit \(descriptors.after)" + (descriptors.failure.map { " (cannot raise it: \($0))" } ?? "")
        logger.notice("\(limitsLine); max_connections \(connections.maximum)")
        let requestTimeout = TimeAmount.nanoseconds(Int64(config.limits.requestTimeoutSeconds * 1e9))

        for warning in config.warnings { logger.warning("\(warning)") }
        var services: [any Service] = [
            InstanceMonitor(
                state: state,
                checker: checker,
                logger: logger,
                recheckInterval: options.recheckInterval,
                firstRetry: options.firstRetry,
                notifier: notifier,
                checkRequests: checkRequests
            )
        ]
        services.append(OutboxDelivery(outbox: outbox, state: state, pipeline: pipeline, logger: logger))
        services.append(EventStreamsService(hub: hub))
        services.append(StateEventsService(state: state, outbox: outbox, hub: hub))
        services.append(RealtimeService(state: state, client: client, hub: hub, metrics: metrics, logger: logger))
        if options.handleSIGHUP { services.append(ReloadOnSignalService(reloader: reloader)) }
        services.append(HTTPClientService(client: httpClient))

        let application = QuietApplication(
            router: router,
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [
                        ConnectionStateTracker(registry: connections),
                        RequestDeadlineHandler(timeout: requestTimeout) { metrics.recordConnectionRejected(reason: "request_timeout") },
                    ],
                    idleTimeout: .milliseconds(Int64(config.limits.idleTimeoutSeconds * 1000)),
                    httpDecoderConfiguration: .init(
                        maxHeaderFieldSize: config.limits.maximumHeaderBytes,
                        maxHeaderListSize: config.limits.maximumHeaderBytes,
                        maxHeaderFieldCount: config.limits.maximumHeaderCount
                    )
                )
            ),
            configuration: ApplicationConfiguration(
                address: .hostname(config.listen.host, port: config.listen.port),
                serverName: "appwrite-bridge"
            ),
            services: services,
            onServerRunning: { channel in
                // The listening socket's pipeline exists only now; the guard goes first, ahead of
                // NIO's AcceptBackoffHandler, which would swallow the EMFILE it needs to see.
                try? await channel.eventLoop.submit {
                    try channel.pipeline.syncOperations.addHandler(
                        AcceptGuardHandler(registry: connections, logger: logger),
                        position: .first
                    )
                }.get()
                let port = channel.localAddress?.port ?? config.listen.port
                logger.info("appwrite-bridge listening on http://\(config.listen.host):\(port)/api/")
                notifier.ready(status: "listening on \(config.listen.host):\(port); \(state.summary)")
                await onServerRunning(port)
            },
            logger: logger
        )
        let systemd = SystemdService(
            notifier: notifier,
            watchdogInterval: SystemdNotifier.watchdogInterval(environment: options.environment),
            requests: state.requests,
            shutdownGracePeriod: options.shutdownGracePeriod,
            logger: logger
        )
        return (application, systemd)
    }

    /// Runs until SIGTERM or SIGINT, then stops accepting, lets running requests finish within
    /// the grace period, and returns.
    public static func run(config: BridgeConfig, options: Options, logger: Logger) async throws {
        let (application, systemd) = try await make(config: config, options: options, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: application), .init(service: systemd)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            ).withGracePeriod(options.shutdownGracePeriod)
        )
        try await group.run()
    }
}

extension ServiceGroupConfiguration {
    fileprivate func withGracePeriod(_ period: Duration) -> Self {
        var configuration = self
        configuration.maximumGracefulShutdownDuration = period
        return configuration
    }
}

/// Why the daemon could not start once the configuration was valid.
public enum BridgeStartError: Error, CustomStringConvertible {
    case outboxUnavailable(path: String, reason: String)
    case identityUnavailable(String)

    public var description: String {
        switch self {
        case .outboxUnavailable(let path, let reason):
            "cannot open the outbox database \(path): \(reason) (set state_dir to a writable folder)"
        case .identityUnavailable(let reason):
            "\(reason) (set state_dir to a writable folder)"
        }
    }
}

/// Runs the event hub's flusher, keeps quiet `/api/events` streams alive with a comment every
/// 15 s, and ends them when shutdown begins: an open stream would otherwise hold the server's graceful shutdown for the whole
/// grace period. The keep-alive is a repeated event-loop timer, one wake-up per interval, rather
/// than a sleeping task (which costs a timer and a task hop or two each time).
struct EventStreamsService: Service {
    let hub: BridgeEventHub
    var keepAliveInterval: Duration = .seconds(15)

    func run() async throws {
        let keepAlive = LoopSleep.repeating(every: keepAliveInterval) { [hub] in hub.keepAlive() }
        await withDiscardingTaskGroup { group in
            group.addTask { await hub.runFlusher() }
            try? await gracefulShutdown()
            group.cancelAll()
        }
        keepAlive.cancel()
        hub.finishAll()
    }
}
