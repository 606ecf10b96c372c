import AsyncHTTPClient
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

        public init(
            configPath: String,
            recheckInterval: Duration = .seconds(300),
            firstRetry: Duration = .seconds(5),
            handleSIGHUP: Bool = true
        ) {
            self.configPath = configPath
            self.recheckInterval = recheckInterval
            self.firstRetry = firstRetry
            self.handleSIGHUP = handleSIGHUP
        }
    }

    public static func make(
        config: BridgeConfig,
        options: Options,
        loader: ConfigLoader = ConfigLoader(),
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let httpClient = AppwriteClient.makeHTTPClient()
        let client = AppwriteClient(httpClient: httpClient)
        let state = BridgeState(config: config)
        let checker = InstanceChecker(client: client)
        let reloader = ConfigReloader(
            configPath: options.configPath,
            loader: loader,
            state: state,
            checker: checker,
            logger: logger
        )
        let executor = FunctionExecutor(client: client, logger: logger)

        let router = Router()
        router.add(middleware: ErrorMiddleware(maximumBodyBytes: config.maximumBodyBytes))
        BridgeAPI(state: state, executor: executor, reloader: reloader).register(on: router)

        for warning in config.warnings { logger.warning("\(warning)") }
        var services: [any Service] = [
            InstanceMonitor(
                state: state,
                checker: checker,
                logger: logger,
                recheckInterval: options.recheckInterval,
                firstRetry: options.firstRetry
            )
        ]
        if options.handleSIGHUP { services.append(ReloadOnSignalService(reloader: reloader)) }
        services.append(HTTPClientService(client: httpClient))

        return Application(
            router: router,
            configuration: ApplicationConfiguration(
                address: .hostname(config.listen.host, port: config.listen.port),
                serverName: "appwrite-bridge"
            ),
            services: services,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? config.listen.port
                logger.info("appwrite-bridge listening on http://\(config.listen.host):\(port)/api/")
                await onServerRunning(port)
            },
            logger: logger
        )
    }
}

extension BridgeApplication {
    /// Runs until SIGTERM or SIGINT, then drains running requests and stops.
    public static func run(config: BridgeConfig, options: Options, logger: Logger) async throws {
        let app = make(config: config, options: options, logger: logger)
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }
}
