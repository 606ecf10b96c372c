import Foundation
import HTTPTypes
import Hummingbird

extension ExecutionRoutes {
    /// A listener for `GET /api/events`: `?channels=a,b` filters, `Last-Event-ID` (or
    /// `?last_event_id=` for clients that cannot set headers) resumes after a reconnect.
    func subscribe(request: Request, maySee: @escaping @Sendable (String) -> Bool) throws -> EventSubscription {
        let channels = Set(
            request.uri.queryParameters.getAll("channels").flatMap {
                $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            }
            .filter { !$0.isEmpty }
        )
        // An ID that is not one of ours (text, negative, beyond 64 bits) is unknown like any
        // other: -1 precedes every event ID, so the listener is told to resync.
        let resumeAfter = (request.headers[.lastEventID] ?? request.uri.queryParameters.get("last_event_id"))
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .flatMap { $0.isEmpty ? nil : Int($0).flatMap { $0 >= 0 ? $0 : nil } ?? -1 }
        do throws(BridgeEventHub.SubscribeError) {
            return try hub.subscribe(channels: channels, lastEventID: resumeAfter, maySee: maySee)
        } catch {
            switch error {
            case .tooManyStreams(let limit):
                metrics.recordEventListenerRefused()
                throw BridgeError.tooManyEventStreams(limit: limit)
            case .shuttingDown:
                throw BridgeError.shuttingDown
            }
        }
    }
}

extension HTTPField.Name {
    static let lastEventID = Self("Last-Event-ID")!
}
