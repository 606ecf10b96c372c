import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Sits first in the listening socket's pipeline and decides when to accept.
///
/// - At `limits.max_connections` it closes the oldest idle connection and accepts again once a
///   connection has closed; with every connection busy it simply waits (the kernel's backlog
///   holds newcomers).
/// - When accept fails for lack of descriptors (EMFILE, ENFILE) it closes the oldest idle
///   connection, logs, and stops asking for a while. NIO's own `AcceptBackoffHandler` delays the
///   next read, but the failed accept leaves the socket registered as readable, so epoll wakes the
///   loop again and again: one core burnt, nothing served. Turning `autoRead` off is what
///   deregisters the socket.
final class AcceptGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel
    typealias OutboundIn = Never
    typealias OutboundOut = Never

    static let exhaustionErrors: Set<Int32> = [EMFILE, ENFILE, ENOBUFS, ENOMEM]

    private let registry: ConnectionRegistry
    private let logger: Logger
    private var waitingForRoom = false
    private var paused = false
    private enum Warning { case maximumReached, outOfDescriptors }
    /// When each kind of warning was last logged.
    private var lastWarning: [Warning: NIODeadline] = [:]

    init(registry: ConnectionRegistry, logger: Logger) {
        self.registry = registry
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let child = unwrapInboundIn(data)
        registry.opened(child)
        let registry = registry
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        child.closeFuture.whenComplete { _ in
            registry.closed(child)
            loopBound.eventLoop.execute {
                let (handler, context) = loopBound.value
                handler.connectionClosed(context: context)
            }
        }
        context.fireChannelRead(data)
    }

    func read(context: ChannelHandlerContext) {
        guard !paused else { return }
        guard registry.admitsAnother() else {
            if !waitingForRoom {
                warnOnce(
                    .maximumReached,
                    every: .seconds(60),
                    "limits.max_connections (\(registry.maximum)) reached; closing the oldest idle connections to make room"
                )
            }
            waitingForRoom = true
            return
        }
        context.read()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let failure = error as? IOError, Self.exhaustionErrors.contains(failure.errnoCode) else {
            context.fireErrorCaught(error)
            return
        }
        // As many as one read may accept (NIO's default maxMessagesPerRead is 4).
        var evicted = 0
        while evicted < 4, registry.evictOldestIdle(reason: "descriptors") { evicted += 1 }
        warnOnce(
            .outOfDescriptors,
            every: .seconds(10),
            "cannot accept connections: \(failure.description); \(registry.openCount) open, limits.max_connections is \(registry.maximum); closed \(evicted) idle connection(s)"
        )
        // With descriptors freed, accept again as soon as their closes are through; with none,
        // wait a second rather than poll.
        pause(context: context, for: evicted > 0 ? .milliseconds(5) : .seconds(1))
    }

    /// Under attack these fire per connection: one line per `interval` is what an operator can read.
    private func warnOnce(_ kind: Warning, every interval: TimeAmount, _ message: @autoclosure () -> Logger.Message) {
        let now = NIODeadline.now()
        guard lastWarning[kind].map({ now - $0 >= interval }) ?? true else { return }
        lastWarning[kind] = now
        logger.warning(message())
    }

    private func pause(context: ChannelHandlerContext, for delay: TimeAmount) {
        guard !paused else { return }
        paused = true
        try? context.channel.syncOptions?.setOption(.autoRead, value: false)
        context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
            paused = false
            // autoRead back on asks the socket for a read at once (the one the failed accept left pending).
            try? context.channel.syncOptions?.setOption(.autoRead, value: true)
        }
    }

    /// Asks again rather than only comparing counts: connections accepted past the limit in one
    /// read were evicted for, so a close can leave the count exactly at the limit, and then only a
    /// new eviction makes room.
    private func connectionClosed(context: ChannelHandlerContext) {
        guard waitingForRoom, !paused, registry.admitsAnother() else { return }
        waitingForRoom = false
        context.read()
    }
}
