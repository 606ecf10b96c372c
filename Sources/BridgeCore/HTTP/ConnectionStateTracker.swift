import NIOCore
import NIOHTTPTypes

/// Tells the `ConnectionRegistry` when its connection has a request in flight (from the request
/// head until the response's end) and when it is idle, so only idle connections are evicted.
final class ConnectionStateTracker: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let registry: ConnectionRegistry
    /// Pipelined requests: idle only once every response has ended.
    private var inFlight = 0

    init(registry: ConnectionRegistry) {
        self.registry = registry
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            inFlight += 1
            if inFlight == 1 { registry.requestStarted(on: context.channel) }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), inFlight > 0 {
            inFlight -= 1
            if inFlight == 0 { registry.requestFinished(on: context.channel) }
        }
        context.write(data, promise: promise)
    }
}
