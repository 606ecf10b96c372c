import Foundation
import Testing

@testable import BridgeCore

/// `realtime:` of an instance: channels checked against Appwrite's forms with the position of the
/// bad one, queries as Realtime takes them, and credentials that name their user.
@Suite("realtime: in bridge.yaml")
struct RealtimeConfigTests {
    let folder: String
    static let session = Data(#"{"id":"ha-bridge","secret":"abc123"}"#.utf8).base64EncodedString()

    init() throws {
        folder = NSTemporaryDirectory() + "realtime-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "key\n".write(toFile: folder + "/home.key", atomically: true, encoding: .utf8)
        try (Self.session + "\n").write(toFile: folder + "/home.session", atomically: true, encoding: .utf8)
        try "not-a-session\n".write(toFile: folder + "/bad.session", atomically: true, encoding: .utf8)
    }

    func yaml(_ realtime: String) -> String {
        """
        instances:
          - project_id: home1234
            url: http://127.0.0.1:8080/v1
            api_key_file: home.key
            realtime:
        \(realtime.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
        """
    }

    func load(_ realtime: String) throws(ConfigError) -> BridgeConfig {
        try ConfigLoader(environment: [:]).parse(yaml(realtime), file: "bridge.yaml", folder: folder)
    }

    func error(_ realtime: String) throws -> ConfigError {
        do {
            _ = try load(realtime)
        } catch {
            return error
        }
        Issue.record("loaded although it should not")
        throw ConfigError(file: "bridge.yaml", message: "loaded")
    }

    @Test func sessionNamesItsUserAndChannelsDecideCatchUp() throws {
        let config = try load(
            """
            session_file: home.session
            subscriptions:
              - name: commands
                channels: [databases.home.collections.commands.documents, databases.home.collections.commands.documents.create]
                queries: ['{"method":"equal","attribute":"status","values":["open"]}']
                fields: [status]
              - name: snapshots
                channels: [buckets.snapshots.files]
              - name: rows
                channels: [tablesdb.home.tables.t1.rows.r1.update]
            """
        )
        let settings = try #require(config.instances.first?.realtime)
        #expect(settings.credentials.userID == "ha-bridge")
        #expect(settings.initialBackoff == .seconds(1) && settings.maximumBackoff == .seconds(60))
        let commands = settings.subscriptions[0]
        #expect(commands.catchUp?.databaseID == "home" && commands.catchUp?.collectionID == "commands")
        #expect(commands.catchUp?.actions == nil, "one channel of all actions: all actions")
        #expect(commands.queries == [#"{"method":"equal","attribute":"status","values":["open"]}"#])
        #expect(commands.fields == ["status"])
        #expect(settings.subscriptions[1].catchUp == nil, "files cannot be listed again")
        let rows = try #require(settings.subscriptions[2].catchUp)
        #expect(rows.api == .rows && rows.documentIDs == ["r1"] && rows.actions == [.update])
    }

    @Test func anUnknownChannelFormIsRefusedWhereItIsWritten() throws {
        let failure = try error(
            """
            guest: true
            subscriptions:
              - name: commands
                channels:
                  - documents
                  - databases.home.collection.commands.documents
            """
        )
        #expect(failure.line == 11)
        #expect(failure.column == 15)
        #expect(failure.message.contains("'databases.home.collection.commands.documents' is not an Appwrite Realtime channel"))
        #expect(failure.description.hasPrefix("bridge.yaml:11:15"))
    }

    @Test(arguments: [
        ("files.abc", "is not an Appwrite Realtime channel"),
        ("databases.home.collections.c.documents.x.y", "is not an Appwrite Realtime channel"),
        ("buckets._bad.files", "is not an Appwrite Realtime channel"),
    ])
    func channelForms(channel: String, message: String) throws {
        let failure = try error("guest: true\nsubscriptions:\n  - name: s\n    channels: ['\(channel)']")
        #expect(failure.message.contains(message))
    }

    @Test func queriesAreCheckedAsRealtimeTakesThem() throws {
        let search = try error(
            """
            guest: true
            subscriptions:
              - name: s
                channels: [documents]
                queries: ['{"method":"search","attribute":"name","values":["x"]}']
            """
        )
        #expect(search.message.contains("method 'search' is not allowed on Realtime"))
        let select = try error(
            """
            guest: true
            subscriptions:
              - name: s
                channels: [documents]
                queries: ['{"method":"select","values":["name"]}']
            """
        )
        #expect(select.message.contains("select only as select"))
        let mapping = try load(
            """
            guest: true
            subscriptions:
              - name: s
                channels: [documents]
                queries:
                  - {method: greaterThan, attribute: level, values: [3]}
            """
        )
        #expect(mapping.instances[0].realtime?.subscriptions[0].queries == [#"{"method":"greaterThan","attribute":"level","values":[3]}"#])
    }

    @Test func credentialsMustBeOneThing() throws {
        #expect(try error("subscriptions:\n  - name: s\n    channels: [documents]").message.contains("or guest: true"))
        #expect(
            try error("guest: true\nsession_file: home.session\nsubscriptions:\n  - name: s\n    channels: [documents]").message
                .contains("not both")
        )
        let bad = try error("session_file: bad.session\nsubscriptions:\n  - name: s\n    channels: [documents]")
        #expect(bad.message.contains("does not hold an Appwrite session"))
        #expect(!bad.description.contains("not-a-session"), "the file's content is never echoed")
    }

    @Test func subscriptionNamesAreEntityFriendlyAndUnique() throws {
        #expect(try error("guest: true\nsubscriptions:\n  - name: Front-Door\n    channels: [documents]").message.contains("a-z, 0-9 and _"))
        #expect(
            try error("guest: true\nsubscriptions:\n  - name: a\n    channels: [documents]\n  - name: a\n    channels: [files]").message
                .contains("used twice")
        )
    }
}
