import Hummingbird
import Logging

/// `GET /api/outbox` (what waits, `?bodies=1` with the stored requests, and `history`: what
/// became of the latest items that left the queue, newest first) and
/// `DELETE /api/outbox/<id>` (give one up).
struct OutboxRoutes {
    let outbox: Outbox
    let logger: Logger

    var collection: RouteCollection<BridgeRequestContext> {
        let routes = RouteCollection(context: BridgeRequestContext.self)
        routes.get("outbox") { request, context in
            let bodies = request.uri.queryParameters.get("bodies").map { ["", "1", "true", "yes"].contains($0.lowercased()) } ?? false
            let items = try await read { try await $0.all() }.filter { context.mayCall(instance: $0.projectID) }
            let history = try await read { try await $0.history() }.filter { context.mayCall(instance: $0.projectID) }
            return JSONResponse.make(
                .object(
                    JSONObject([
                        ("pending", .number(String(items.count))),
                        ("items", .array(items.map { $0.document(includeBody: bodies) })),
                        ("history", .array(history.map(\.document))),
                    ])
                )
            )
        }
        routes.delete("outbox/:id") { _, context in
            guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw BridgeError.outboxItemNotFound(-1) }
            guard let item = try await read({ try await $0.item(id: id) }) else { throw BridgeError.outboxItemNotFound(id) }
            try context.requireAccess(to: item.projectID)
            let history = OutboxHistoryEntry(item, outcome: "deleted", note: "deleted through the API")
            guard (try? await outbox.remove(id: id, outcome: "deleted", history: history)) != nil else {
                throw BridgeError.outboxItemNotFound(id)
            }
            logger.notice(
                "queued execution deleted through the API",
                metadata: [
                    "outbox_id": "\(id)", "project_id": "\(item.projectID)", "kind": "\(item.request.kind)",
                    "target_id": "\(item.request.targetID)",
                ]
            )
            return JSONResponse.make(.object(JSONObject([("deleted", .bool(true)), ("outbox_id", .number(String(id)))])))
        }
        return routes
    }

    private func read<T>(_ read: (OutboxStore) async throws -> T) async throws -> T {
        do {
            return try await read(outbox.store)
        } catch {
            throw BridgeError.internalError("cannot read the outbox: \(error)")
        }
    }
}
