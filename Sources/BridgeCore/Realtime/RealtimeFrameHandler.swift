import NIOCore
import NIOWebSocket

/// Reads Appwrite's frames where they arrive, on the socket's event loop: a whole message goes
/// to the session synchronously (parse, route, publish), with no task hop per frame (a Realtime
/// event is one frame, a thousand a second). Answers pings and the close handshake, pings every
/// 20 s, masks what it sends as RFC 6455 asks of a client.
final class RealtimeFrameHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let session: RealtimeSession
    private let onConnected: @Sendable () -> Void
    private var message: [UInt8] = []
    private var ticker: RepeatedTask?

    init(session: RealtimeSession, onConnected: @escaping @Sendable () -> Void) {
        self.session = session
        self.onConnected = onConnected
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let interval = TimeAmount.seconds(RealtimeSession.pingInterval.components.seconds)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        ticker = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            let (handler, context) = loopBound.value
            switch handler.session.tick() {
            case .goOn: handler.send(.text, ByteBuffer(string: RealtimeSession.ping), context: context)
            case .close: handler.close(context: context)
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary, .continuation:
            if frame.opcode != .continuation { message.removeAll(keepingCapacity: true) }
            guard message.count + frame.length <= RealtimeSession.maximumMessageBytes else {
                session.fail(.lost("a Realtime message over \(RealtimeSession.maximumMessageBytes) bytes"))
                context.close(promise: nil)
                return
            }
            frame.unmaskedData.withUnsafeReadableBytes { message.append(contentsOf: $0) }
            guard frame.fin else { return }
            if session.handle(message, onConnected: onConnected) == .close { close(context: context) }
        case .ping:
            send(.pong, frame.unmaskedData, context: context)
        case .connectionClose:
            // The close code says as much as an error frame (Appwrite sends both, the frame first).
            var data = frame.unmaskedData
            if let code = data.readInteger(as: UInt16.self).map(Int.init), code == 1008 || code == 1013 {
                session.fail(RealtimeFailure.fromError(code: code, message: "given as the close code"))
            } else {
                session.fail(.lost("Appwrite closed the Realtime connection"))
            }
            close(context: context)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        ticker?.cancel()
        session.ended(.lost("Appwrite closed the Realtime connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        session.fail(.lost("the Realtime connection failed: \(AppwriteClient.describe(error))"))
        context.close(promise: nil)
    }

    /// A close frame, then the socket: a client may end the TCP connection once it has said why.
    private func close(context: ChannelHandlerContext) {
        var data = ByteBuffer()
        data.write(webSocketErrorCode: .normalClosure)
        send(.connectionClose, data, context: context)
        context.close(promise: nil)
    }

    private func send(_ opcode: WebSocketOpcode, _ data: ByteBuffer, context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: data)), promise: nil)
    }
}

@available(*, unavailable)
extension RealtimeFrameHandler: Sendable {}
