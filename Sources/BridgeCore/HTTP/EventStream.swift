import Hummingbird
import NIOCore

/// Writes a listener's events as Server-Sent Events until the hub closes it (shutdown, or the
/// listener fell behind) or the client goes away.
enum EventStream {
    static func write(_ subscription: EventSubscription, to writer: inout any ResponseBodyWriter) async throws {
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
    }
}
