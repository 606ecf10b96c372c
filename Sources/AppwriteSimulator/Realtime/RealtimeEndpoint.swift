import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket

/// `/v1/realtime`: the connect checks and the `connected` frame (app/realtime.php `onOpen`), then
/// the messages (`onMessage`), each connection writing what the hub hands it in order.
struct RealtimeEndpoint: Sendable {
    /// Appwrite's inbound package limit (`setPackageMaxLength(64000)`).
    static let maximumMessageSize = 64_000

    let state: SimulatorState
    var hub: RealtimeHub { state.realtime }

    func register(on router: Router<RealtimeRequestContext>) {
        router.ws("/v1/realtime") { _, _ in
            await hub.admit() ? .upgrade([:]) : .dontUpgrade
        } onUpgrade: { inbound, outbound, context in
            try await run(inbound: inbound, outbound: outbound, request: context.request, context: context.requestContext)
        }
    }

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, request: Request, context: RealtimeRequestContext)
        async throws
    {
        let (stream, outbox) = AsyncStream.makeStream(of: RealtimeHub.Outgoing.self)
        let id: Int
        do {
            id = try await connect(request, context: context, outbox: outbox)
        } catch {
            // Connect errors: an error frame, then the socket closes. Seen with hummingbird-websocket
            // 2.8.1's client (swift-nio 2.101's typed upgrade): a frame and the close that follow the
            // 101 at once can reach the client's handler as a close alone. A moment's wait keeps the
            // error frame observable; the `connected` frame needs none (40 fast reconnects of the
            // bridge's client, none lost).
            try? await Task.sleep(for: .milliseconds(50))
            try? await outbound.writeTextMessage(
                RealtimeFrames.error(code: error.code, message: error.message, keepMessage: error.keepMessage)
            )
            try? await outbound.close(Self.closeCode(error.code), reason: nil)
            return
        }
        let messages = RealtimeMessages(hub: hub, state: state, connectionID: id, outbox: outbox)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await item in stream {
                    switch item {
                    case .text(let text):
                        do { try await outbound.writeTextMessage(text) } catch { return }
                    case .close(let code):
                        try? await outbound.close(Self.closeCode(Int(code)), reason: nil)
                        return
                    }
                }
            }
            do {
                var iterator = inbound.messages(maxSize: Self.maximumMessageSize).makeAsyncIterator()
                while let message = try await iterator.next() {
                    let text: String
                    switch message {
                    case .text(let string): text = string
                    case .binary(let buffer): text = String(buffer: buffer)
                    }
                    if await messages.handle(text) == .close { break }
                }
            } catch {}
            await hub.close(id)
            outbox.finish()
            await group.waitForAll()
        }
    }

    /// onOpen's checks in Appwrite's order: project, user (JWT errors), connect limit, Origin,
    /// channels and their queries. Returns the connection's ID, its `connected` frame queued.
    private func connect(_ request: Request, context: RealtimeRequestContext, outbox: AsyncStream<RealtimeHub.Outgoing>.Continuation)
        async throws(RealtimeCaller.Refusal) -> Int
    {
        let query = PHPQueryParameter.parse(request.uri.query)
        let caller = try await RealtimeCaller.resolve(headers: request.headers, query: query, config: state.config, users: state.users)
        let ip = Self.clientIP(request.headers, context.remoteAddress)
        guard await hub.allowConnect(path: request.uri.path, ip: ip) else {
            throw RealtimeCaller.Refusal(code: 1013, message: "Too many requests")
        }
        // Swoole keeps the last of repeated headers; a client that cannot drop its own Origin
        // (hummingbird-websocket's sends `ws://host`) can still override it.
        try RealtimeCaller.checkOrigin(request.headers[values: HTTPField.Name("Origin")!].last, projectID: caller.projectID)

        var requested: [String] = []
        switch query["channels"] {
        case nil: break
        // Realtime::convertChannels(array …) given a string: a TypeError, a generic server error.
        case .string?: throw RealtimeCaller.Refusal(code: 500, message: "Server Error")
        case .array(let entries)?:
            requested = entries.compactMap { if case .string(let name) = $0.value { name } else { nil } }
        }
        let userID = caller.user?.id ?? ""
        let channels = RealtimeChannels.convert(requested, userID: userID)
        let slots = try Self.subscriptions(channels, query: query)
        let user: PHPValue =
            caller.user.map { RealtimeEvents.encodedAccount($0, createdAt: state.users.createdAt) } ?? .null
        let assigned = slots.map { (slot: $0.slot, id: SimulatorAPI.newID()) }
        let frame = RealtimeFrames.connected(channels: channels, subscriptions: assigned, user: user)
        return await hub.open(
            projectID: caller.projectID,
            roles: caller.roles,
            userID: userID,
            subscriptions: zip(assigned, slots).map { (id: $0.id, channels: $1.channels, queries: $1.queries) },
            connectedFrame: frame,
            outbox: outbox
        )
    }

    /// Realtime::constructSubscriptions: a channel without `<channel>[slot][]` queries joins slot 0
    /// with select("*"); each slot of a channel's queries is one subscription (AND inside, OR
    /// across). PHP turns the channel's dots into `_` in the parameter's name.
    static func subscriptions(_ channels: [String], query: [String: PHPQueryParameter]) throws(RealtimeCaller.Refusal) -> [(
        slot: String, channels: [String], queries: [RealtimeQuery]
    )] {
        var slots: [(slot: String, channels: [String], queries: [RealtimeQuery])] = []
        func index(_ slot: String) -> Int {
            if let found = slots.firstIndex(where: { $0.slot == slot }) { return found }
            slots.append((slot, [], []))
            return slots.count - 1
        }
        for channel in channels {
            let name = String(channel.map { $0 == "." || $0 == " " ? "_" : $0 })
            var parameter = query[name]
            if name == "project", case .string? = parameter { parameter = nil }
            guard let parameter else {
                let zero = index("0")
                slots[zero].channels.append(channel)
                if slots[zero].queries.isEmpty { slots[zero].queries = [.selectAll] }
                continue
            }
            let entries: [(key: String, value: PHPQueryParameter)] =
                if case .array(let items) = parameter { items } else { [("0", parameter)] }
            for entry in entries {
                let at = index(entry.key)
                if !slots[at].channels.contains(channel) { slots[at].channels.append(channel) }
                if slots[at].queries.isEmpty {
                    let texts: [String] = entry.value.values.compactMap { if case .string(let text) = $0 { text } else { nil } }
                    do {
                        slots[at].queries = try RealtimeQuery.parse(texts)
                    } catch {
                        // A select other than "*" is not a QueryException: Appwrite answers it as an unknown error.
                        guard error.isQueryError else { throw RealtimeCaller.Refusal(code: 0, message: error.message) }
                        throw RealtimeCaller.Refusal(code: 1008, message: error.message, keepMessage: true)
                    }
                }
            }
        }
        return slots
    }

    /// The close frame after an error: its code when it is a WebSocket one (1003, 1008, 1013),
    /// else 1008 for refusals (401, 403) and 1011 for server errors.
    static func closeCode(_ code: Int) -> WebSocketErrorCode {
        switch code {
        case 1000...1014: WebSocketErrorCode(codeNumber: code)
        case 400..<500: .policyViolation
        default: .unexpectedServerError
        }
    }

    static func clientIP(_ headers: HTTPFields, _ address: SocketAddress?) -> String {
        if let forwarded = headers[HTTPField.Name("X-Forwarded-For")!]?.split(separator: ",").first {
            return forwarded.trimmingCharacters(in: .whitespaces)
        }
        return address?.ipAddress ?? "127.0.0.1"
    }
}

extension RealtimeEndpoint {
    /// Frames up to Appwrite's 64,000-byte package limit; no server pings (Appwrite sends none).
    static let serverConfiguration = HTTP1WebSocketUpgradeChannel.Configuration(
        ws: WebSocketServerConfiguration(maxFrameSize: maximumMessageSize, autoPing: .disabled)
    )
}
