/// A connection's messages (app/realtime.php `onMessage`, src/Appwrite/Realtime/Message/*): the
/// message limit first, then the JSON shape, then the handler. Errors answer with an `error`
/// frame; only 1008 closes the socket.
struct RealtimeMessages: Sendable {
    enum Outcome: Sendable { case keepOpen, close }

    struct Failure: Error, Sendable {
        var code: Int
        var message: String
    }

    let hub: RealtimeHub
    let state: SimulatorState
    let connectionID: Int
    let outbox: AsyncStream<RealtimeHub.Outgoing>.Continuation

    func handle(_ text: String) async -> Outcome {
        do throws(Failure) {
            guard await hub.allowMessage(connectionID) else { throw Failure(code: 1013, message: "Too many messages.") }
            if let reply = try await dispatch(text) { outbox.yield(.text(reply)) }
            return .keepOpen
        } catch {
            outbox.yield(.text(RealtimeFrames.error(code: error.code, message: error.message)))
            guard error.code == 1008 else { return .keepOpen }
            outbox.yield(.close(1008))
            return .close
        }
    }

    private func dispatch(_ text: String) async throws(Failure) -> String? {
        let formatInvalid = Failure(code: 1003, message: "Message format is not valid.")
        guard let message = PHPJSONDecoder.decode(Array(text.utf8)) else { throw formatInvalid }
        // array_key_exists on a decoded scalar is a PHP TypeError: an unknown error, code 0.
        guard message.isArray else { throw Failure(code: 0, message: "Server Error") }
        let type = message["type"]
        let data = message["data"]
        if type == nil && data == nil { throw formatInvalid }
        let typeInvalid = Failure(code: 1003, message: "Message type is not valid.")
        switch type {
        case .list?, .object?: throw typeInvalid
        case .string(let name)?:
            switch name {
            case "ping": return RealtimeFrames.pong
            case "authentication", "subscribe", "unsubscribe":
                guard await hub.connection(connectionID)?.projectID != nil else {
                    throw Failure(code: 1008, message: "Missing project context. Reconnect to the project first.")
                }
                switch name {
                case "authentication": return try await authenticate(data)
                case "subscribe": return try await subscribe(data)
                default: return try await unsubscribe(data)
                }
            default: throw typeInvalid
            }
        default: throw typeInvalid
        }
    }

    /// Handlers/Authentication.php: a session value only (not a JWT).
    private func authenticate(_ data: PHPValue?) async throws(Failure) -> String {
        guard let session = data?["session"] else {
            throw Failure(code: 1003, message: "Payload is not valid. Session is required")
        }
        guard UtopiaValidators.text(session, length: 2048), case .string(let value) = session else {
            throw Failure(code: 1003, message: "session: \(UtopiaValidators.textDescription(length: 2048))")
        }
        let store = UserSession.decode(value)
        guard let connection = await hub.connection(connectionID), let projectID = connection.projectID,
            let user = state.config.project(projectID)?.users.first(where: { $0.id == store.userID }),
            await state.users.verify(projectID: projectID, userID: user.id, secret: store.secret)
        else { throw Failure(code: 1003, message: "Session is not valid.") }
        await hub.authenticate(connectionID, roles: user.roles, userID: user.id)
        return RealtimeFrames.response(
            "authentication",
            [("user", RealtimeEvents.encodedAccount(user, createdAt: state.users.createdAt))]
        )
    }

    /// The list payload of subscribe and unsubscribe: `data` itself, required, a JSON list.
    private static func items(_ data: PHPValue?) throws(Failure) -> [PHPValue] {
        switch data {
        case nil, .null?: throw Failure(code: 1003, message: "Payload is not valid. Items is required")
        case .list(let items)?: return items
        case .object(let entries)? where entries.isEmpty: return []
        default: throw Failure(code: 1003, message: "items: Payload is not valid.")
        }
    }

    /// Handlers/Subscribe.php: an upsert of each listed subscription, with the connection's roles.
    private func subscribe(_ data: PHPValue?) async throws(Failure) -> String {
        let items = try Self.items(data)
        var parsed: [(id: String, channels: [String], queries: [RealtimeQuery])] = []
        let userID = await hub.connection(connectionID)?.userID ?? ""
        for item in items {
            guard item.isArray else { throw Failure(code: 1003, message: "items: Each subscribe payload must be an object.") }
            var id = SimulatorAPI.newID()
            if let given = item["subscriptionId"] {
                guard case .string(let text) = given, text == "unique()" || UtopiaValidators.uid(text) else {
                    throw Failure(code: 1003, message: "items: subscriptionId is not a valid id.")
                }
                id = text
            }
            guard let channelList = item["channels"] else {
                throw Failure(code: 1003, message: "items: channels is not present in payload.")
            }
            guard case .list(let channelValues) = channelList else {
                throw Failure(code: 1003, message: "items: channels is not a valid array.")
            }
            var channels: [String] = []
            for value in channelValues {
                guard case .string(let channel) = value else {
                    throw Failure(code: 1003, message: "items: channels must contain only strings.")
                }
                channels.append(channel)
            }
            var texts: [String] = []
            if let queries = item["queries"] {
                guard case .list(let values) = queries else { throw Failure(code: 1003, message: "items: queries is not a valid array.") }
                texts = values.map { if case .string(let text) = $0 { text } else { PHPJSONEncoder.encode($0) } }
            }
            let queries: [RealtimeQuery]
            do {
                queries = try RealtimeQuery.parse(texts)
            } catch {
                guard error.isQueryError else { throw Failure(code: 0, message: error.message) }
                throw Failure(code: 1003, message: "Invalid query: \(error.message)")
            }
            parsed.append((id, RealtimeChannels.convert(channels, userID: userID), queries))
        }
        for subscription in parsed {
            await hub.subscribe(
                connectionID,
                subscriptionID: subscription.id,
                channels: subscription.channels,
                queries: subscription.queries
            )
        }
        let answer: [PHPValue] = parsed.map { subscription in
            .object([
                ("subscriptionId", .string(subscription.id)), ("channels", .strings(subscription.channels)),
                ("queries", .strings(subscription.queries.map(\.text))),
            ])
        }
        return RealtimeFrames.response("subscribe", [("subscriptions", .list(answer))])
    }

    /// Handlers/Unsubscribe.php.
    private func unsubscribe(_ data: PHPValue?) async throws(Failure) -> String {
        let items = try Self.items(data)
        var ids: [String] = []
        for item in items {
            guard case .string(let id)? = item["subscriptionId"], !id.isEmpty else {
                throw Failure(code: 1003, message: "items: Each unsubscribe payload must include a non-empty subscriptionId.")
            }
            ids.append(id)
        }
        var results: [PHPValue] = []
        for id in ids {
            let removed = await hub.unsubscribe(connectionID, subscriptionID: id)
            results.append(.object([("subscriptionId", .string(id)), ("removed", .bool(removed))]))
        }
        return RealtimeFrames.response("unsubscribe", [("subscriptions", .list(results))])
    }
}
