import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The upgrade request's context: hummingbird-websocket's, plus the client's address (Appwrite
/// limits connects per path and address).
struct RealtimeRequestContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<Self>
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        remoteAddress = source.channel.remoteAddress
    }
}
