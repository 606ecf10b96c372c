import Hummingbird
import NIOCore
import ServiceLifecycle

/// Writes a listener's events as Server-Sent Events until the hub closes it (the listener fell
/// behind), the client goes away, or graceful shutdown begins: the server drains requests before
/// it stops, and an endless stream would otherwise hold the whole grace period.
enum EventStream {
    static func write(_ subscription: EventSubscription, to writer: inout any ResponseBodyWriter) async throws {
        try await withGracefulShutdownHandler {
            while let frames = await subscription.next() {
                if frames.count == 1 {
                    try await writer.write(frames[0])
                } else {
                    var batch = ByteBuffer()
                    batch.reserveCapacity(frames.reduce(0) { $0 + $1.readableBytes })
                    for frame in frames { batch.writeImmutableBuffer(frame) }
                    try await writer.write(batch)
                }
            }
        } onGracefulShutdown: {
            subscription.close()
        }
    }
}
