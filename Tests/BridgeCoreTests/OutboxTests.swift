import Foundation
import Logging
import Testing

@testable import BridgeCore

@Suite("outbox and upstream TLS settings")
struct OutboxConfigTests {
    let folder: String

    init() throws {
        folder = NSTemporaryDirectory() + "bridge-outbox-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "key\n".write(toFile: folder + "/home.key", atomically: true, encoding: .utf8)
        try "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".write(
            toFile: folder + "/ca.pem",
            atomically: true,
            encoding: .utf8
        )
        try "not a certificate".write(toFile: folder + "/junk.pem", atomically: true, encoding: .utf8)
    }

    func load(_ top: String = "", instance: String = "", url: String = "https://appwrite.lan/v1", environment: [String: String] = [:])
        throws(ConfigError) -> BridgeConfig
    {
        try ConfigLoader(environment: environment).parse(
            """
            \(top)
            instances:
              - project_id: home1234
                url: \(url)
                api_key_file: home.key
            \(instance)
            """,
            file: "bridge.yaml",
            folder: folder
        )
    }

    func error(_ top: String = "", instance: String = "", url: String = "https://appwrite.lan/v1") -> ConfigError? {
        do {
            _ = try load(top, instance: instance, url: url)
            return nil
        } catch {
            return error
        }
    }

    @Test func stateDirectoryDefaultsNextToTheConfigThenToSystemd() throws {
        #expect(try load().outbox.databasePath == folder + "/state/outbox.sqlite")
        #expect(
            try load(environment: ["STATE_DIRECTORY": "/var/lib/appwrite-bridge:/var/lib/other"]).outbox.stateDirectory
                == "/var/lib/appwrite-bridge"
        )
        #expect(try load("state_dir: data").outbox.stateDirectory == folder + "/data")
        #expect(try load("state_dir: /srv/bridge").outbox.stateDirectory == "/srv/bridge")
    }

    @Test func outboxSettings() throws {
        let defaults = try load().outbox
        #expect(defaults.maximumAge == .seconds(86_400))
        #expect(defaults.lateSchedule == .drop)
        let custom = try load("outbox:\n  max_age: 90m\n  late_schedule: run").outbox
        #expect(custom.maximumAge == .seconds(5_400))
        #expect(custom.lateSchedule == .run)
        #expect(try load("outbox:\n  max_age: 7200").outbox.maximumAge == .seconds(7_200))
    }

    @Test func badOutboxSettingsAreLocated() throws {
        let age = try #require(error("outbox:\n  max_age: forever"))
        #expect(age.line == 2 && age.column != nil)
        #expect(age.description.contains("max_age") && age.description.contains("'forever'"))
        let policy = try #require(error("outbox:\n  late_schedule: maybe"))
        #expect(policy.line == 2)
        #expect(policy.description.contains("drop or run"))
        let unknown = try #require(error("outbox:\n  retries: 3"))
        #expect(unknown.description.contains("retries"))
    }

    @Test func durations() {
        #expect(ConfigLoader.parseDuration("90s") == 90)
        #expect(ConfigLoader.parseDuration("15m") == 900)
        #expect(ConfigLoader.parseDuration("24h") == 86_400)
        #expect(ConfigLoader.parseDuration("2d") == 172_800)
        #expect(ConfigLoader.parseDuration("300") == 300)
        #expect(ConfigLoader.parseDuration("-5m") == nil)
        #expect(ConfigLoader.parseDuration("1w") == nil)
    }

    @Test func caFileIsResolvedAndChecked() throws {
        let config = try load(instance: "    ca_file: ca.pem")
        #expect(config.instances[0].tls == UpstreamTLS(caFile: folder + "/ca.pem"))
        #expect(config.instances[0].tls.clientConfiguration != nil)
        #expect(try load().instances[0].tls.clientConfiguration == nil)

        let missing = try #require(error(instance: "    ca_file: nowhere.pem"))
        #expect(missing.description.contains("cannot read CA file") && missing.line == 6)
        let junk = try #require(error(instance: "    ca_file: junk.pem"))
        #expect(junk.description.contains("no PEM certificate"))
        let plain = try #require(error(instance: "    ca_file: ca.pem", url: "http://appwrite.lan/v1"))
        #expect(plain.description.contains("only applies to an https url"))
    }

    @Test func tlsInsecureIsLoud() throws {
        let config = try load(instance: "    tls_insecure: true")
        #expect(config.instances[0].tls.insecure)
        #expect(config.warnings.contains { $0.contains("tls_insecure") && $0.contains("NOT verified") })
        #expect(error(instance: "    tls_insecure: true", url: "http://appwrite.lan/v1") != nil)
    }
}

@Suite("outbox store and delivery decisions")
struct OutboxStoreTests {
    let path = NSTemporaryDirectory() + "bridge-outbox-\(UUID().uuidString)/outbox.sqlite"

    func request(_ n: Int, scheduledAt: String? = nil) -> OutboxRequest {
        .execution(execution(n, scheduledAt: scheduledAt))
    }

    func execution(_ n: Int, scheduledAt: String? = nil) -> CreateExecutionRequest {
        CreateExecutionRequest(
            functionID: "echo",
            body: #"{"seq":\#(n)}"#,
            isAsync: true,
            path: "/run?x=1",
            method: "POST",
            headers: [("X-Source", "test")],
            scheduledAt: scheduledAt
        )
    }

    static func body(_ item: OutboxItem) -> String {
        guard case .execution(let execution) = item.request else { return "" }
        return execution.body
    }

    @Test func messagesRoundTripWithTheirKind() async throws {
        let outbox = try await Outbox(path: path)
        let message = try MessagePayload.translate(["message": "Door open", "topics": ["family"], "message_id": "door-1"], kind: .push)
        _ = try await outbox.enqueue(.message(message), projectID: "home", reason: "down")
        let item = try #require(try await outbox.store.all().first)
        #expect(item.request == .message(message))
        #expect(item.document(includeBody: false).serialized.contains(#""kind":"push","message_id":"door-1""#))
    }

    @Test func itemsSurviveReopeningInOrderPerInstance() async throws {
        do {
            let outbox = try await Outbox(path: path)
            for n in 0..<3 {
                _ = try await outbox.enqueue(request(n), projectID: "home", reason: "down")
                _ = try await outbox.enqueue(request(10 + n), projectID: "garage", reason: "down")
            }
            #expect(outbox.hasPending(projectID: "home"))
        }
        let reopened = try await Outbox(path: path)
        #expect(reopened.hasPending(projectID: "home") && reopened.hasPending(projectID: "garage"))
        #expect(!reopened.hasPending(projectID: "other"))
        let all = try await reopened.store.all()
        #expect(all.count == 6)
        #expect(all.first?.request == request(0))
        let heads = try await reopened.store.heads()
        #expect(heads.map(Self.body) == [#"{"seq":0}"#, #"{"seq":10}"#])
        #expect(try await reopened.remove(id: heads[0].id, outcome: "delivered") == "home")
        #expect(try await reopened.remove(id: heads[0].id, outcome: "delivered") == nil)
        #expect(Set(try await reopened.store.heads().map(Self.body)) == [#"{"seq":1}"#, #"{"seq":10}"#])
    }

    /// A buried item (delivered, its DELETE failed) is gone from every read until the DELETE
    /// goes through, and the next item of its instance is the head.
    @Test func buriedItemsAreHiddenUntilTheirDeleteGoesThrough() async throws {
        let outbox = try await Outbox(path: path)
        var ids: [Int64] = []
        for n in 0..<3 { ids.append(try await outbox.enqueue(request(n), projectID: "home", reason: "down")) }
        #expect(try await outbox.store.bury(id: ids[0]) == "home")
        #expect(try await outbox.store.bury(id: 999) == nil)
        #expect(try await outbox.store.heads().map(Self.body) == [#"{"seq":1}"#])
        #expect(try await outbox.store.all().map(\.id) == [ids[1], ids[2]])
        #expect(try await outbox.store.item(id: ids[0]) == nil)
        #expect(try await outbox.store.count() == 2)
        #expect(try await outbox.store.countsByProject() == ["home": 2])
        #expect(try await outbox.store.remove(id: ids[0]) == nil)
        #expect(outbox.store.buriedCount == 1)
        #expect(try await outbox.store.purgeBuried() == 0)
        #expect(outbox.store.buriedCount == 0)
        // Gone from disk too: a new process does not see it.
        let reopened = try await Outbox(path: path)
        #expect(try await reopened.store.all().map(\.id) == [ids[1], ids[2]])
    }

    @Test func aReadOnlyOrUncreatableStateDirIsFoundBeforeServeNeedsIt() throws {
        #expect(OutboxStore.problemOpening(path: path) == nil)
        #expect(!FileManager.default.fileExists(atPath: path))
        let problem = try #require(OutboxStore.problemOpening(path: "/proc/appwrite-bridge-state/outbox.sqlite"))
        #expect(problem.contains("cannot write in /proc"))
        #expect(OutboxStore.problemOpening(path: "/dev/null/state/outbox.sqlite")?.contains("not a folder") == true)
    }

    @Test func documentHidesBodiesUnlessAsked() async throws {
        let outbox = try await Outbox(path: path)
        _ = try await outbox.enqueue(request(1), projectID: "home", reason: "down")
        let item = try #require(try await outbox.store.all().first)
        let plain = item.document(includeBody: false).serialized
        #expect(!plain.contains("seq"))
        #expect(plain.contains(#""function_id":"echo""#) && plain.contains(#""last_error":"down""#))
        #expect(item.document(includeBody: true).serialized.contains(#"\"seq\":1"#))
    }

    /// Fails a refused connection at once, as the daemon's client does.
    static let client = AppwriteClient(httpClient: AppwriteClient.makeHTTPClient())

    func delivery(_ outbox: Outbox, settings: String) throws -> OutboxDelivery {
        let config = try ConfigLoader(environment: ["KEY": "k"]).parse(
            """
            \(settings)
            instances:
              - project_id: home
                url: http://127.0.0.1:9/v1
                api_key_env: KEY
            """,
            file: "bridge.yaml",
            folder: NSTemporaryDirectory()
        )
        let state = BridgeState(config: config)
        return OutboxDelivery(
            outbox: outbox,
            state: state,
            pipeline: .standalone(client: Self.client, state: state, outbox: outbox, logger: .init(label: "test")),
            logger: .init(label: "test")
        )
    }

    /// A queued item created just now whose schedule passed long ago.
    static func lateItem(_ request: OutboxRequest) -> OutboxItem {
        OutboxItem(id: 1, projectID: "home", request: request, createdAt: Date(), attempts: 0, nextAttemptAt: Date())
    }

    @Test func lateSchedulesAndOldItemsAreDroppedBeforeAnyCall() async throws {
        let outbox = try await Outbox(path: path)
        let late = Self.lateItem(request(1, scheduledAt: "2020-01-01T07:00:00Z"))
        guard case .drop(let reason) = await try delivery(outbox, settings: "").deliver(late) else {
            Issue.record("a past schedule must be dropped by default")
            return
        }
        #expect(reason.contains("late_schedule"))

        // Without an offset Appwrite reads UTC: still a passed schedule, still dropped.
        let bare = Self.lateItem(request(1, scheduledAt: "2020-01-01 07:00:00"))
        guard case .drop = await try delivery(outbox, settings: "").deliver(bare) else {
            Issue.record("a past schedule without an offset must be dropped too")
            return
        }

        var old = late
        old.request = request(1)
        old.createdAt = Date().addingTimeInterval(-2 * 3_600)
        guard case .drop(let ageReason) = await try delivery(outbox, settings: "outbox:\n  max_age: 1h").deliver(old) else {
            Issue.record("an item older than max_age must be dropped")
            return
        }
        #expect(ageReason.contains("max_age"))
    }

    @Test func lateScheduleRunSendsWithoutScheduleAndRetriesWhenUnreachable() async throws {
        let outbox = try await Outbox(path: path)
        let late = Self.lateItem(request(1, scheduledAt: "2020-01-01T07:00:00Z"))
        // Port 9 (discard) refuses on loopback: the item is kept for a retry, not dropped.
        guard case .retry = await try delivery(outbox, settings: "outbox:\n  late_schedule: run").deliver(late) else {
            Issue.record("an unreachable instance means retry")
            return
        }
    }

    @Test func backoffGrowsWithJitterAndStaysCapped() async throws {
        let delivery = try delivery(try await Outbox(path: path), settings: "")
        for failures in 1...30 {
            let delay = delivery.retryDelay(afterFailures: failures)
            let ceiling = min(Duration.seconds(1) * (1 << min(failures - 1, 20)), .seconds(60))
            #expect(delay >= ceiling / 2 && delay <= ceiling)
        }
    }
}
