import HummingbirdWSClient
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
// hummingbird-websocket's `WebSocketClient` always sends `Origin: ws://<host>`, and Appwrite
// validates any Origin it is given against the project's web platforms: a daemon's socket would be
// refused with 1008. Appwrite checks nothing when no Origin comes, as its native SDKs send none. So
// the bridge sets up the upgrade itself (this file, as the library's `WebSocketClientChannel` does,
// minus Origin) through the library's public `ClientConnectionChannel`, and leaves frames, pings
// and the close handshake to the library's `WebSocketHandler`, published for such channels as SPI.
@_spi(WSInternal) import WSCore

/// One WebSocket connection to `/v1/realtime`, without an Origin header.
struct RealtimeSocket: ClientConnectionChannel {
    struct Context: WebSocketContext {
        let logger: Logger
    }

    enum Upgrade {
        case websocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>)
        case refused
    }

    typealias Value = EventLoopFuture<Upgrade>
    typealias Result = WebSocketCloseFrame?

    /// `/v1/realtime?project=…&channels[]=…`, as sent on the request line.
    let pathAndQuery: String
    /// The Host header: host, with the port when it is not the scheme's default.
    let hostHeader: String
    let serverHostname: String?
    let headers: HTTPHeaders
    let sslContext: NIOSSLContext?
    let maximumFrameSize: Int
    let handler: WebSocketDataHandler<Context>

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let upgrader = NIOTypedWebSocketClientUpgrader<Upgrade>(
                maxFrameSize: maximumFrameSize,
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        .websocket(try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(wrappingChannelSynchronously: channel))
                    }
                }
            )
            var requestHeaders = headers
            requestHeaders.replaceOrAdd(name: "Host", value: hostHeader)
            let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: pathAndQuery, headers: requestHeaders)
            var configuration = NIOUpgradableHTTPClientPipelineConfiguration(
                upgradeConfiguration: NIOTypedHTTPClientUpgradeConfiguration(
                    upgradeRequestHead: head,
                    upgraders: [upgrader],
                    notUpgradingCompletionHandler: { channel in channel.eventLoop.makeSucceededFuture(.refused) }
                )
            )
            configuration.leftOverBytesStrategy = .forwardBytes
            if let sslContext {
                let tls = try NIOSSLClientHandler(context: sslContext, serverHostname: serverHostname)
                try channel.pipeline.syncOperations.addHandler(tls, position: .first)
            }
            return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(configuration: configuration)
        }
    }

    func handle(value: Value, logger: Logger) async throws -> WebSocketCloseFrame? {
        switch try await value.get() {
        case .refused:
            throw RealtimeSocketError.upgradeRefused
        case .websocket(let channel):
            return try await WebSocketHandler.handle(
                type: .client,
                configuration: .init(
                    extensions: [],
                    autoPing: .disabled,
                    closeTimeout: .seconds(5),
                    validateUTF8: false,
                    ignoreUncleanSSLShutdownErrors: true,
                    maxFrameSize: maximumFrameSize
                ),
                asyncChannel: channel,
                context: Context(logger: logger),
                handler: handler
            )
        }
    }
}

enum RealtimeSocketError: Error {
    /// The server answered the upgrade request with something other than 101.
    case upgradeRefused
}
