import HummingbirdWSClient
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket

/// One WebSocket connection to `/v1/realtime`, through hummingbird-websocket's public
/// `ClientConnection` with an upgrade of our own: the library's `WebSocketClient` always sends
/// `Origin: ws://<host>`, and Appwrite checks any Origin it is given against the project's web
/// platforms (1008 for a daemon), while it checks nothing when none comes, as from its native
/// SDKs. The frames are handled on the socket's event loop (`RealtimeFrameHandler`).
struct RealtimeSocket: ClientConnectionChannel {

    enum Upgrade {
        case websocket(any Channel)
        case refused
    }

    typealias Value = EventLoopFuture<Upgrade>
    typealias Result = Void

    /// `/v1/realtime?project=…&channels[]=…`, as sent on the request line.
    let pathAndQuery: String
    /// The Host header: host, with the port when it is not the scheme's default.
    let hostHeader: String
    let serverHostname: String?
    let headers: HTTPHeaders
    let sslContext: NIOSSLContext?
    let maximumFrameSize: Int
    let session: RealtimeSession
    let onConnected: @Sendable () -> Void

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let upgrader = NIOTypedWebSocketClientUpgrader<Upgrade>(
                maxFrameSize: maximumFrameSize,
                upgradePipelineHandler: { [session, onConnected] channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(RealtimeFrameHandler(session: session, onConnected: onConnected))
                        return .websocket(channel)
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

    /// Until the socket closes; cancelling the task closes it.
    func handle(value: Value, logger: Logger) async throws {
        switch try await value.get() {
        case .refused:
            throw RealtimeSocketError.upgradeRefused
        case .websocket(let channel):
            try await withTaskCancellationHandler {
                try await channel.closeFuture.get()
            } onCancel: {
                channel.close(promise: nil)
            }
        }
    }
}

enum RealtimeSocketError: Error {
    /// The server answered the upgrade request with something other than 101.
    case upgradeRefused
}
