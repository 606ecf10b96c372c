import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The Databases API's document routes
/// (src/Appwrite/Platform/Modules/Databases/Http/Databases/Collections/Documents/*.php): create,
/// get, list, update, upsert and delete, each change published to Realtime.
extension SimulatorAPI {
    static let documentsPath = "/v1/databases/:databaseId/collections/:collectionId/documents"

    var databases: SimulatorDatabases { state.databases }

    func registerDocuments(on router: Router<BasicRequestContext>) {
        router.post(RouterPath(Self.documentsPath)) { request, context in
            try await createDocument(request, context: context)
        }
        router.get(RouterPath(Self.documentsPath)) { request, context in
            try await listDocuments(request, context: context)
        }
        router.get(RouterPath(Self.documentsPath + "/:documentId")) { request, context in
            try await getDocument(request, context: context)
        }
        router.patch(RouterPath(Self.documentsPath + "/:documentId")) { request, context in
            try await updateDocument(request, context: context, upsert: false)
        }
        router.put(RouterPath(Self.documentsPath + "/:documentId")) { request, context in
            try await updateDocument(request, context: context, upsert: true)
        }
        router.delete(RouterPath(Self.documentsPath + "/:documentId")) { request, context in
            try await deleteDocument(request, context: context)
        }
    }

    /// The database and collection, as the caller may see them: disabled ones only for keys.
    func collection(_ access: Access, databaseID: String, collectionID: String) throws(AppwriteError) -> (
        SimulatorConfig.Database, SimulatorConfig.Collection
    ) {
        guard let database = access.project?.databases.first(where: { $0.id == databaseID }), database.enabled || access.isKey else {
            throw .databaseNotFound(databaseID)
        }
        guard let collection = database.collections.first(where: { $0.id == collectionID }), collection.enabled || access.isKey
        else { throw .collectionNotFound(collectionID) }
        return (database, collection)
    }

    func uidParameter(_ context: BasicRequestContext, _ name: String) throws -> String {
        let value = try context.parameters.require(name)
        guard UtopiaValidators.uid(value) else { throw AppwriteError.argumentInvalid(name, UtopiaValidators.uidDescription) }
        return value
    }

    func createDocument(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let access = try access(request, anyOf: ["documents.write"], user: try await sessionUser(request))
        let databaseID = try uidParameter(context, "databaseId")
        let parameters = try await requestParameters(request)
        var documentID = ""
        if let given = parameters["documentId"], given != .null {
            guard case .string(let text) = given, text == "unique()" || UtopiaValidators.uid(text) else {
                throw AppwriteError.argumentInvalid("documentId", UtopiaValidators.keyDescription)
            }
            documentID = text
        }
        let collectionID = try uidParameter(context, "collectionId")
        let input = try DocumentInput(parameters, isKey: access.isKey)
        if input.data.isEmpty && (parameters["data"].map { $0.isEmpty } ?? true) { throw AppwriteError.documentMissingData }
        if documentID.isEmpty { throw AppwriteError.documentIDRequired }
        let givenID = documentID

        let caller = CallerRoles(access)
        let (database, collection) = try self.collection(access, databaseID: databaseID, collectionID: collectionID)
        let permissions = input.permissions ?? []
        try caller.checkGrantable(permissions)
        let granted = collection.roles(for: "create")
        guard caller.allows(granted) else { throw caller.refusal("create", granted: granted) }
        try DocumentInput.checkStructure(input.data, against: collection, creating: true)

        let id = documentID == "unique()" ? Self.newID() : documentID
        let now = AppwriteDate.string(Date())
        let projectID = access.projectID
        let document = try await databases.withCollection(projectID: projectID, databaseID: databaseID, collectionID: collectionID) {
            stored in
            guard stored.documents[id] == nil else { throw AppwriteError.documentAlreadyExists(givenID) }
            let document = StoredDocument(
                id: id,
                sequence: stored.nextSequence,
                databaseID: databaseID,
                collectionID: collectionID,
                createdAt: input.createdAt ?? now,
                updatedAt: input.updatedAt ?? now,
                permissions: permissions,
                data: input.data
            )
            stored.nextSequence += 1
            stored.insert(document)
            return document
        }
        await publish(.create, document, database: database, collection: collection, projectID: projectID)
        return Self.documentResponse(document.model, status: .created)
    }

    func getDocument(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let access = try access(request, anyOf: ["documents.read"], user: try await sessionUser(request))
        let databaseID = try uidParameter(context, "databaseId")
        let collectionID = try uidParameter(context, "collectionId")
        let documentID = try uidParameter(context, "documentId")
        let (_, collection) = try self.collection(access, databaseID: databaseID, collectionID: collectionID)
        let document = await databases.withCollection(projectID: access.projectID, databaseID: databaseID, collectionID: collectionID) {
            $0.documents[documentID]
        }
        guard let document, Self.canRead(document, collection: collection, caller: CallerRoles(access)) else {
            throw AppwriteError.documentNotFound(documentID)
        }
        return Self.documentResponse(document.model, status: .ok)
    }

    func listDocuments(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let access = try access(request, anyOf: ["documents.read"], user: try await sessionUser(request))
        let databaseID = try uidParameter(context, "databaseId")
        let collectionID = try uidParameter(context, "collectionId")
        let (_, collection) = try self.collection(access, databaseID: databaseID, collectionID: collectionID)
        let declared = collection.attributes.isEmpty ? nil : Set(collection.attributes.map(\.key))
        let query = try DocumentQuery(request.uri.query, attributes: declared)
        let caller = CallerRoles(access)
        let readable = collection.roles(for: "read")
        if !caller.allows(readable) && !collection.documentSecurity { throw caller.refusal("read", granted: readable) }
        let all = await databases.withCollection(projectID: access.projectID, databaseID: databaseID, collectionID: collectionID) {
            $0.all
        }
        var cursorDocument: StoredDocument?
        if let cursor = query.cursor {
            guard let found = all.first(where: { $0.id == cursor.id }) else { throw AppwriteError.cursorNotFound(cursor.id) }
            cursorDocument = found
        }
        let visible = all.filter { Self.canRead($0, collection: collection, caller: caller) }
        let (page, total) = query.apply(to: visible, cursorDocument: cursorDocument)
        let body = PHPValue.object([("total", .int(query.includeTotal ? total : 0)), ("documents", .list(page.map(\.model)))])
        return Self.documentResponse(body, status: .ok)
    }

    /// updateDocument (PATCH, `upsert` false) and upsertDocument (PUT).
    func updateDocument(_ request: Request, context: BasicRequestContext, upsert: Bool) async throws -> Response {
        let access = try access(request, anyOf: ["documents.write"], user: try await sessionUser(request))
        let databaseID = try uidParameter(context, "databaseId")
        let collectionID = try uidParameter(context, "collectionId")
        let documentID = try context.parameters.require("documentId")
        let idValid = upsert ? documentID == "unique()" || UtopiaValidators.uid(documentID) : UtopiaValidators.uid(documentID)
        guard idValid else {
            throw AppwriteError.argumentInvalid("documentId", upsert ? UtopiaValidators.keyDescription : UtopiaValidators.uidDescription)
        }
        let parameters = try await requestParameters(request)
        let input = try DocumentInput(parameters, isKey: access.isKey)
        if input.data.isEmpty && input.permissions == nil { throw AppwriteError.documentMissingPayload }
        let caller = CallerRoles(access)
        let (database, collection) = try self.collection(access, databaseID: databaseID, collectionID: collectionID)
        try caller.checkGrantable(input.permissions ?? [])
        let now = AppwriteDate.string(Date())
        let id = documentID == "unique()" ? Self.newID() : documentID
        let projectID = access.projectID
        let document = try await databases.withCollection(projectID: projectID, databaseID: databaseID, collectionID: collectionID) {
            stored in
            guard var document = stored.documents[id] else {
                guard upsert else { throw AppwriteError.documentNotFound(documentID) }
                let granted = collection.roles(for: "create")
                guard caller.allows(granted) else { throw caller.refusal("create", granted: granted) }
                try DocumentInput.checkStructure(input.data, against: collection, creating: true)
                let document = StoredDocument(
                    id: id,
                    sequence: stored.nextSequence,
                    databaseID: databaseID,
                    collectionID: collectionID,
                    createdAt: input.createdAt ?? now,
                    updatedAt: input.updatedAt ?? now,
                    permissions: input.permissions ?? [],
                    data: input.data
                )
                stored.nextSequence += 1
                stored.insert(document)
                return document
            }
            let collectionGrant = collection.roles(for: "update")
            let documentGrant = collection.documentSecurity ? PermissionRules.roles(document.permissions, action: "update") : []
            guard caller.allows(collectionGrant) || caller.allows(documentGrant) else {
                throw caller.refusal("update", granted: collectionGrant + documentGrant)
            }
            try DocumentInput.checkStructure(input.data, against: collection, creating: false)
            var changed = document.merge(input.data)
            if let permissions = input.permissions, permissions != document.permissions {
                document.permissions = permissions
                changed = true
            }
            if let createdAt = input.createdAt { document.createdAt = createdAt }
            // utopia-php/database bumps `$updatedAt` only when something changed.
            if let updatedAt = input.updatedAt {
                document.updatedAt = updatedAt
            } else if changed {
                document.updatedAt = now
            }
            stored.documents[id] = document
            return document
        }
        await publish(upsert ? .upsert : .update, document, database: database, collection: collection, projectID: projectID)
        return Self.documentResponse(document.model, status: .ok)
    }

    func deleteDocument(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let access = try access(request, anyOf: ["documents.write"], user: try await sessionUser(request))
        let databaseID = try uidParameter(context, "databaseId")
        let collectionID = try uidParameter(context, "collectionId")
        let documentID = try uidParameter(context, "documentId")
        let (database, collection) = try self.collection(access, databaseID: databaseID, collectionID: collectionID)
        let caller = CallerRoles(access)
        let projectID = access.projectID
        let document = try await databases.withCollection(projectID: projectID, databaseID: databaseID, collectionID: collectionID) {
            stored in
            guard let document = stored.documents[documentID] else { throw AppwriteError.documentNotFound(documentID) }
            let collectionGrant = collection.roles(for: "delete")
            let documentGrant = collection.documentSecurity ? PermissionRules.roles(document.permissions, action: "delete") : []
            guard caller.allows(collectionGrant) || caller.allows(documentGrant) else {
                throw caller.refusal("delete", granted: collectionGrant + documentGrant)
            }
            stored.remove(documentID)
            return document
        }
        await publish(.delete, document, database: database, collection: collection, projectID: projectID)
        return Response(status: .noContent)
    }

    /// Read access: the collection's read roles, or the document's with documentSecurity.
    static func canRead(_ document: StoredDocument, collection: SimulatorConfig.Collection, caller: CallerRoles) -> Bool {
        if caller.allows(collection.roles(for: "read")) { return true }
        return collection.documentSecurity && caller.allows(PermissionRules.roles(document.permissions, action: "read"))
    }

    static func documentResponse(_ value: PHPValue, status: HTTPResponse.Status) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: PHPJSONEncoder.encode(value)))
        )
    }

    private func publish(
        _ action: DocumentAction,
        _ document: StoredDocument,
        database: SimulatorConfig.Database,
        collection: SimulatorConfig.Collection,
        projectID: String
    ) async {
        await state.realtime.publish(
            RealtimeEvents.document(action, document, collection: collection, projectID: projectID, database: database)
        )
    }
}

enum DocumentAction: String, Sendable {
    case create, update, upsert, delete
}
