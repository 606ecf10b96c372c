import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Hummingbird's `Application`, less its date timer. `Application.run()` adds a service that
/// re-formats the `Date` header every second; through Dispatch's timers that alone woke the idle
/// daemon about ten times a second (the timer thread, then a chain of worker threads). Here the
/// header is formatted when a response needs it, at most once per second, so an idle bridge
/// sleeps. Everything else is what `Application.run()` does: same responder, request ID, server
/// name, error answer and service group. Once the server runs, the pages only starting needed
/// are given back (`StartupPages`).
public struct QuietApplication<Responder: HTTPResponder>: ApplicationProtocol
where Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
    public let eventLoopGroup: any EventLoopGroup
    public let responder: Responder
    public let server: HTTPServerBuilder
    public var configuration: ApplicationConfiguration
    public var logger: Logger
    public var services: [any Service]
    private let whenRunning: @Sendable (any Channel) async -> Void

    /// The arguments of `Application(router:server:configuration:services:onServerRunning:logger:)`.
    public init<Builder: HTTPResponderBuilder>(
        router: Builder,
        server: HTTPServerBuilder = .http1(),
        configuration: ApplicationConfiguration = ApplicationConfiguration(),
        services: [any Service] = [],
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in },
        eventLoopGroupProvider: EventLoopGroupProvider = .singleton,
        logger: Logger
    ) where Responder == Builder.Responder {
        self.responder = router.buildResponder()
        self.server = server
        self.configuration = configuration
        self.services = services
        self.whenRunning = onServerRunning
        self.eventLoopGroup = eventLoopGroupProvider.eventLoopGroup
        self.logger = logger
    }

    public func onServerRunning(_ channel: any Channel) async { await whenRunning(channel) }

    /// A response could not be written because the request turned out malformed: the connection
    /// is closed without a second answer (Hummingbird's own error for this is not public).
    private struct ParseErrorWhileWritingResponse: Error {}

    public func run() async throws {
        let responder = self.responder
        let dates = HTTPDate()
        let serverName = configuration.serverName
        let logger = self.logger
        let server = try self.server.buildServer(
            configuration: ServerConfiguration(
                address: configuration.address,
                serverName: serverName,
                backlog: configuration.backlog,
                reuseAddress: configuration.reuseAddress,
                availableConnectionsDelegate: configuration.availableConnectionsDelegate
            ),
            eventLoopGroup: eventLoopGroup,
            logger: logger
        ) { (request, responseWriter: consuming ResponseWriter, channel) in
            var requestLogger = logger
            requestLogger[metadataKey: "hb.request.id"] = .stringConvertible(RequestID())
            let context = Responder.Context(source: .init(channel: channel, logger: requestLogger))
            var response: Response
            do {
                response = try await responder.respond(to: request, context: context)
            } catch let error as HTTPParserError {
                throw error
            } catch {
                requestLogger.debug("Unrecognised Error", metadata: ["error.type": "\(error)"])
                response = Response(status: .internalServerError, body: .init())
            }
            response.headers[.date] = dates.now()
            if let serverName { response.headers[.server] = serverName }
            do {
                try await responseWriter.write(response: response.head, body: response.body)
            } catch is HTTPParserError {
                throw ParseErrorWhileWritingResponse()
            }
        } onServerRunning: {
            await self.onServerRunning($0)
            StartupPages.release()
        }
        let group = ServiceGroup(configuration: .init(services: services + [server], logger: logger))
        try await group.run()
    }
}
