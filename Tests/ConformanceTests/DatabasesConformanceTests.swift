import AppwriteSimulator
import BridgeCore
import Foundation
import Testing

/// The Databases and Users rules of the simulator's README (DB*, US*), against the simulator
/// (the gateway does not serve these routes).
@Suite("Simulator conformance: Databases and Users", .serialized)
struct DatabasesConformanceTests {
    static let rules: Set<String> = ["DB1", "DB2", "DB3", "DB4", "DB5", "DB6", "DB7", "DB8", "DB9", "DB10", "DB11", "DB12", "US1", "US2"]
    typealias F = SimulatorFixture

    @Test func createGetUpdateUpsertDelete() async throws {
        try await F.withSimulator { port, _ in
            let created = try await F.rest(
                port,
                "POST",
                F.documents + "/lights/documents",
                body: #"{"documentId":"kitchen","data":{"on":true,"level":3},"permissions":["write(\"any\")"]}"#
            )
            #expect(created.status == 201, "DB2 \(created.text)")
            #expect(
                created.json.objectValue?.keys == [
                    "$id", "$sequence", "$collectionId", "$databaseId", "$createdAt", "$updatedAt", "$permissions", "on", "level",
                ],
                "DB2 keys"
            )
            #expect(created.json["$sequence"] == "1", "DB2 $sequence is a string")
            #expect(created.json["$collectionId"] == "lights" && created.json["$databaseId"] == "home", "DB2")
            #expect(created.json["$permissions"] == [#"update("any")"#, #"delete("any")"#], "DB6 write expands")
            let createdAt = created.json["$createdAt"]?.stringValue ?? ""
            #expect(createdAt.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00/) != nil, "DB2 \(createdAt)")
            #expect(created.json["$updatedAt"]?.stringValue == createdAt, "DB2")

            let unique = try await F.rest(
                port,
                "POST",
                F.documents + "/lights/documents",
                body: #"{"documentId":"unique()","data":{"on":false}}"#
            )
            #expect(unique.status == 201 && unique.json["$sequence"] == "2" && unique.json["$id"]?.stringValue?.count == 20, "DB2 unique()")
            #expect(unique.json["$permissions"] == [], "DB6 default permissions for a key")

            let taken = try await F.rest(
                port,
                "POST",
                F.documents + "/lights/documents",
                body: #"{"documentId":"kitchen","data":{"on":1}}"#
            )
            #expect(taken.status == 409 && taken.json["type"] == "document_already_exists", "DB5")
            #expect(
                taken.json["message"]
                    == "Document with the requested ID 'kitchen' already exists. Try again with a different ID or use ID.unique() to generate a unique ID.",
                "DB5"
            )

            let fetched = try await F.rest(port, "GET", F.documents + "/lights/documents/kitchen")
            #expect(fetched.status == 200 && fetched.json == created.json, "DB2 get \(fetched.text)")

            try await Task.sleep(for: .milliseconds(5))  // distinct $updatedAt instants (millisecond precision)
            let same = try await F.rest(port, "PATCH", F.documents + "/lights/documents/kitchen", body: #"{"data":{"on":true}}"#)
            #expect(same.status == 200 && same.json["$updatedAt"] == created.json["$updatedAt"], "DB8 no change, same $updatedAt")
            let updated = try await F.rest(port, "PATCH", F.documents + "/lights/documents/kitchen", body: #"{"data":{"level":4}}"#)
            #expect(updated.status == 200, "DB8 \(updated.text)")
            #expect(updated.json["level"] == 4 && updated.json["on"] == true, "DB8 merged")
            #expect(updated.json["$createdAt"] == created.json["$createdAt"] && updated.json["$sequence"] == "1", "DB8 kept")
            #expect(updated.json["$updatedAt"] != created.json["$updatedAt"], "DB8 moved")
            #expect(updated.json["$permissions"] == created.json["$permissions"], "DB6 kept on update")

            let upsertNew = try await F.rest(port, "PUT", F.documents + "/lights/documents/hall", body: #"{"data":{"on":false}}"#)
            #expect(upsertNew.status == 200 && upsertNew.json["$sequence"] == "3", "DB8 upsert creates \(upsertNew.text)")
            let upsertOld = try await F.rest(port, "PUT", F.documents + "/lights/documents/hall", body: #"{"data":{"level":1}}"#)
            #expect(upsertOld.status == 200 && upsertOld.json["on"] == false && upsertOld.json["level"] == 1, "DB8 upsert merges")

            let deleted = try await F.rest(port, "DELETE", F.documents + "/lights/documents/hall")
            #expect(deleted.status == 204 && deleted.body.isEmpty, "DB8 delete")
            let gone = try await F.rest(port, "GET", F.documents + "/lights/documents/hall")
            #expect(gone.status == 404 && gone.json["message"] == "Document with the requested ID 'hall' could not be found.", "DB5")
        }
    }

    @Test func parameterAndLookupErrors() async throws {
        try await F.withSimulator { port, _ in
            let path = F.documents + "/lights/documents"
            let cases: [(String, String, String, Int, String, String?)] = [
                (
                    "DB3", "POST", #"{"documentId":"_bad","data":{"a":1}}"#, 400, "general_argument_invalid",
                    "Invalid `documentId` param: Parameter must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, period, hyphen, and underscore. Can't start with a special char"
                ),
                (
                    "DB4", "POST", #"{"documentId":"a"}"#, 400, "document_missing_data",
                    "The document data is missing. Try again with document data populated"
                ),
                (
                    "DB4", "POST", #"{"data":{"a":1}}"#, 400, "document_missing_data",
                    "Document ID is required when creating a single document."
                ),
                (
                    "DB4", "POST", #"{"documentId":"a","data":5}"#, 400, "general_argument_invalid",
                    "Invalid `data` param: Value must be a valid JSON string"
                ),
                (
                    "DB6", "POST", #"{"documentId":"a","data":{"a":1},"permissions":["read(\"nobody\")"]}"#, 400,
                    "general_argument_invalid", nil
                ),
                (
                    "DB9", "POST", #"{"documentId":"a","data":{"$foo":1}}"#, 400, "document_invalid_structure",
                    #"Invalid document structure: Unknown attribute: "$foo""#
                ),
            ]
            for (rule, method, body, status, type, message) in cases {
                let reply = try await F.rest(port, method, path, body: body)
                #expect(reply.status == status && reply.json["type"]?.stringValue == type, "\(rule) \(body): \(reply.text)")
                if let message { #expect(reply.json["message"]?.stringValue == message, "\(rule) \(reply.text)") }
                #expect(reply.json["version"] == "1.9.6", "\(rule) envelope")
            }
            let dataAsText = try await F.rest(port, "POST", path, body: #"{"documentId":"t","data":"{\"a\":1}"}"#)
            #expect(dataAsText.status == 201 && dataAsText.json["a"] == 1, "DB4 JSON text")
            let missingPayload = try await F.rest(port, "PATCH", path + "/t", body: "{}")
            #expect(missingPayload.status == 400 && missingPayload.json["type"] == "document_missing_payload", "DB4")
            let badPath = try await F.rest(port, "GET", path + "/-x")
            #expect(badPath.status == 400 && badPath.json["message"]?.stringValue == "Invalid `documentId` param: " + Messages.uid, "DB3")

            let noDatabase = try await F.rest(port, "GET", "/databases/nope/collections/lights/documents")
            #expect(noDatabase.json["type"] == "database_not_found", "DB5")
            #expect(noDatabase.json["message"] == "Database with the requested ID 'nope' could not be found.", "DB5")
            let noCollection = try await F.rest(port, "GET", F.documents + "/nope/documents")
            #expect(
                noCollection.status == 404 && noCollection.json["message"] == "Collection with the requested ID 'nope' could not be found.",
                "DB5"
            )
            let disabledForKey = try await F.rest(port, "GET", F.documents + "/off/documents")
            #expect(disabledForKey.status == 200, "DB5 disabled collection is served to keys")
            let disabledForGuest = try await F.rest(port, "GET", F.documents + "/off/documents", key: nil)
            #expect(disabledForGuest.json["type"] == "collection_not_found", "DB5 but not to guests")

            let noScope = try await F.rest(port, "POST", path, key: F.sessionsOnlyKey, body: "{}")
            #expect(noScope.status == 401 && noScope.json["type"] == "general_unauthorized_scope", "DB1 \(noScope.text)")
            #expect(noScope.json["message"]?.stringValue?.hasSuffix(#"missing scopes (["documents.write"])"#) == true, "DB1")
        }
    }

    @Test func permissionsForCallersWithoutAKey() async throws {
        try await F.withSimulator { port, _ in
            // lights: read users, create/update/delete any.
            let guestCreate = try await F.rest(
                port,
                "POST",
                F.documents + "/lights/documents",
                key: nil,
                body: #"{"documentId":"g","data":{"a":1}}"#
            )
            #expect(guestCreate.status == 201 && guestCreate.json["$permissions"] == [], "DB7 guest may create \(guestCreate.text)")
            let guestGrant = try await F.rest(
                port,
                "POST",
                F.documents + "/lights/documents",
                key: nil,
                body: #"{"documentId":"g2","data":{"a":1},"permissions":["read(\"users\")"]}"#
            )
            #expect(guestGrant.status == 401 && guestGrant.json["message"] == "Permissions must be one of: (any, guests)", "DB6")
            let guestRead = try await F.rest(port, "GET", F.documents + "/lights/documents/g", key: nil)
            #expect(guestRead.status == 404, "DB7 not readable is not found")
            let guestList = try await F.rest(port, "GET", F.documents + "/lights/documents", key: nil)
            #expect(guestList.status == 401 && guestList.json["type"] == "user_unauthorized", "DB7 \(guestList.text)")
            #expect(
                guestList.json["message"]
                    == #"Missing "read" permission for role "users". Only "["any","guests"]" scopes are allowed and "["users"]" was given."#,
                "DB7"
            )
            let closedCreate = try await F.rest(
                port,
                "POST",
                F.documents + "/closed/documents",
                key: nil,
                body: #"{"documentId":"c","data":{"a":1}}"#
            )
            #expect(closedCreate.status == 401 && closedCreate.json["message"] == "No permissions provided for action 'create'", "DB7")

            // secure: documentSecurity, create any, nothing else at collection level.
            for (id, permissions) in [("open", #"["read(\"any\")","update(\"any\")"]"#), ("shut", "[]")] {
                let made = try await F.rest(
                    port,
                    "POST",
                    F.documents + "/secure/documents",
                    key: nil,
                    body: #"{"documentId":"\#(id)","data":{"a":1},"permissions":\#(permissions)}"#
                )
                #expect(made.status == 201, "DB7 \(made.text)")
            }
            let list = try await F.rest(port, "GET", F.documents + "/secure/documents", key: nil)
            #expect(list.status == 200 && list.json["total"] == 1, "DB7 documentSecurity filters the list \(list.text)")
            #expect(try await F.rest(port, "GET", F.documents + "/secure/documents/shut", key: nil).status == 404, "DB7")
            let patchOpen = try await F.rest(port, "PATCH", F.documents + "/secure/documents/open", key: nil, body: #"{"data":{"a":2}}"#)
            #expect(patchOpen.status == 200, "DB7 the document's update")
            let patchShut = try await F.rest(port, "PATCH", F.documents + "/secure/documents/shut", key: nil, body: #"{"data":{"a":2}}"#)
            #expect(patchShut.status == 401 && patchShut.json["message"] == "No permissions provided for action 'update'", "DB7")
            let deleteShut = try await F.rest(port, "DELETE", F.documents + "/secure/documents/shut", key: nil)
            #expect(deleteShut.status == 401, "DB7")

            // Keys may set the dates; guests may not.
            let dated = try await F.rest(
                port,
                "POST",
                F.documents + "/lights/documents",
                body: #"{"documentId":"old","data":{"$createdAt":"2020-01-01T00:00:00.000+00:00","$sequence":"99","a":1}}"#
            )
            #expect(dated.json["$createdAt"] == "2020-01-01T00:00:00.000+00:00" && dated.json["$sequence"] != "99", "DB9 \(dated.text)")
            let guestDated = try await F.rest(
                port,
                "POST",
                F.documents + "/lights/documents",
                key: nil,
                body: #"{"documentId":"old2","data":{"$createdAt":"2020-01-01T00:00:00.000+00:00","a":1}}"#
            )
            #expect(guestDated.status == 201 && guestDated.json["$createdAt"] != "2020-01-01T00:00:00.000+00:00", "DB9")
        }
    }

    @Test func declaredAttributes() async throws {
        try await F.withSimulator { port, _ in
            let path = F.documents + "/typed/documents"
            let good = try await F.rest(port, "POST", path, body: #"{"documentId":"a","data":{"name":"x","level":2}}"#)
            #expect(good.status == 201, "DB10 \(good.text)")
            for body in [
                #"{"documentId":"b","data":{"name":"x","other":1}}"#, #"{"documentId":"c","data":{"level":1}}"#,
                #"{"documentId":"d","data":{"name":5}}"#,
            ] {
                let bad = try await F.rest(port, "POST", path, body: body)
                #expect(bad.status == 400 && bad.json["type"] == "document_invalid_structure", "DB10 \(body): \(bad.text)")
                #expect(bad.json["message"]?.stringValue?.hasPrefix("Invalid document structure: ") == true, "DB10")
            }
            let unknown = try await F.rest(port, "GET", path + "?" + F.queries([#"{"method":"equal","attribute":"nope","values":[1]}"#]))
            #expect(unknown.status == 400 && unknown.json["type"] == "general_query_invalid", "DB12 \(unknown.text)")
            #expect(unknown.json["message"] == "Invalid query: Attribute not found in schema: nope", "DB12")
        }
    }

    @Test func listAndQueries() async throws {
        try await F.withSimulator { port, _ in
            let path = F.documents + "/lights/documents"
            for (index, room) in ["a", "b", "c", "d", "e"].enumerated() {
                let made = try await F.rest(
                    port,
                    "POST",
                    path,
                    body: #"{"documentId":"\#(room)","data":{"level":\#(index % 3),"room":"\#(room)"}}"#
                )
                #expect(made.status == 201)
            }
            func ids(_ query: [String], extra: String = "") async throws -> (ids: [String], total: JSONValue?, reply: Exchange) {
                let reply = try await F.rest(port, "GET", path + "?" + F.queries(query) + extra)
                return (reply.json["documents"]?.arrayValue?.compactMap { $0["$id"]?.stringValue } ?? [], reply.json["total"], reply)
            }
            let all = try await ids([])
            #expect(all.ids == ["a", "b", "c", "d", "e"] && all.total == 5, "DB11 oldest first")
            let noTotal = try await ids([], extra: "&total=false")
            #expect(noTotal.total == 0 && noTotal.ids.count == 5, "DB11 total=false")
            let equal = try await ids([#"{"method":"equal","attribute":"level","values":[0,2]}"#])
            #expect(equal.ids == ["a", "c", "d"] && equal.total == 3, "DB12 equal \(equal.reply.text)")
            let greater = try await ids([#"{"method":"greaterThan","attribute":"level","values":[0]}"#])
            #expect(greater.ids == ["b", "c", "e"], "DB12 greaterThan")
            let range = try await ids([
                #"{"method":"greaterThanEqual","attribute":"$sequence","values":[2]}"#,
                #"{"method":"lessThan","attribute":"$sequence","values":[4]}"#,
            ])
            #expect(range.ids == ["b", "c"], "DB12 $sequence range")
            let ordered = try await ids([#"{"method":"orderDesc","attribute":"level"}"#])
            #expect(ordered.ids == ["c", "b", "e", "a", "d"], "DB12 orderDesc, ties by $sequence ascending: \(ordered.ids)")
            let ascending = try await ids([#"{"method":"orderAsc","attribute":"level"}"#])
            #expect(ascending.ids == ["a", "d", "b", "e", "c"], "DB12 orderAsc \(ascending.ids)")
            let page = try await ids([#"{"method":"limit","values":[2]}"#, #"{"method":"cursorAfter","values":["b"]}"#])
            #expect(page.ids == ["c", "d"] && page.total == 5, "DB12 cursorAfter + limit")
            let orderedPage = try await ids([
                #"{"method":"orderAsc","attribute":"$updatedAt"}"#, #"{"method":"cursorAfter","values":["d"]}"#,
            ])
            #expect(orderedPage.ids == ["e"], "DB12 cursor in the query's order \(orderedPage.ids)")
            let offset = try await ids([#"{"method":"offset","values":[3]}"#])
            #expect(offset.ids == ["d", "e"], "DB12 offset")
            let missing = try await ids([#"{"method":"cursorAfter","values":["zz"]}"#])
            #expect(missing.reply.status == 400 && missing.reply.json["type"] == "general_cursor_not_found", "DB12")
            #expect(missing.reply.json["message"] == "Document 'zz' for the 'cursor' value not found.", "DB12")
            let syntax = try await ids(["{nope"])
            #expect(syntax.reply.json["message"] == "Invalid query: Syntax error", "DB12 \(syntax.reply.text)")
            let method = try await ids([#"{"method":"shuffle"}"#])
            #expect(method.reply.json["message"] == "Invalid query: Invalid query method: shuffle", "DB12")
            let isNull = try await ids([#"{"method":"isNull","attribute":"missing"}"#])
            #expect(isNull.ids.count == 5, "DB12 isNull on an absent attribute")
        }
    }

    @Test func sessionsAndJWTs() async throws {
        try await F.withSimulator { port, _ in
            let created = try await F.rest(port, "POST", "/users/alice/sessions", key: F.sessionsOnlyKey, body: "{}")
            #expect(created.status == 201, "US1 sessions.write suffices \(created.text)")
            #expect(
                created.json["provider"] == "server" && created.json["factors"] == ["server"] && created.json["userId"] == "alice",
                "US1"
            )
            let secret = try #require(created.json["secret"]?.stringValue)
            let decoded = try JSONParser.parse(Array(try #require(Data(base64Encoded: secret))))
            #expect(decoded["id"] == "alice" && decoded["secret"]?.stringValue?.isEmpty == false, "US1 secret is base64 JSON")
            let expire = try #require(
                created.json["expire"]?.stringValue.flatMap { try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse($0) }
            )
            #expect(abs(expire.timeIntervalSinceNow - 31_536_000) < 120, "US1 one year")
            let unknown = try await F.rest(port, "POST", "/users/nobody/sessions", body: "{}")
            #expect(unknown.status == 404 && unknown.json["type"] == "user_not_found", "US1")
            #expect(unknown.json["message"] == "User with the requested ID could not be found.", "US1")
            let badID = try await F.rest(port, "POST", "/users/-x/sessions", body: "{}")
            #expect(badID.status == 400, "US1 CustomId")

            let jwt = try await F.rest(port, "POST", "/users/alice/jwts", body: #"{"sessionId":"recent","duration":60}"#)
            #expect(jwt.status == 201, "US2 \(jwt.text)")
            let token = try #require(jwt.json["jwt"]?.stringValue)
            let parts = token.split(separator: ".")
            #expect(parts.count == 3, "US2")
            var payloadText = String(parts[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while payloadText.count % 4 != 0 { payloadText += "=" }
            let payload = try JSONParser.parse(Array(try #require(Data(base64Encoded: payloadText))))
            #expect(payload["userId"] == "alice" && payload["sessionId"] == created.json["$id"], "US2 recent \(payload)")
            let onlyKey = try await F.rest(port, "POST", "/users/alice/jwts", key: F.sessionsOnlyKey, body: "{}")
            #expect(onlyKey.status == 401 && onlyKey.json["type"] == "general_unauthorized_scope", "US2 needs users.write")
            let tooLong = try await F.rest(port, "POST", "/users/alice/jwts", body: #"{"duration":3601}"#)
            #expect(
                tooLong.status == 400
                    && tooLong.json["message"] == "Invalid `duration` param: Value must be a valid range between 0 and 3,600",
                "US2"
            )
        }
    }
}
