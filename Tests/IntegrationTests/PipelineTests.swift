import AppwriteSimulator
import AsyncHTTPClient
@testable import BridgeCore
import Foundation
import Logging
import NIOHTTP1
import Testing

/// The one execution pipeline, driven directly against a real simulator over loopback.
@Suite("the execution pipeline")
struct PipelineTests {
    /// Everything a call can touch is on: an event listener (so the tracker publishes), metrics,
    /// the outbox, the HTTP error mapping.
    struct Rig {
        let pipeline: ExecutionPipeline
        let config: BridgeConfig
        let instance: InstanceConfig
        let hub: BridgeEventHub
        let httpClient: AppwriteClient

        func call(_ request: UpstreamRequest, origin: CallOrigin = .action) -> PipelineCall {
            PipelineCall(origin: origin, config: config, instance: instance, request: request)
        }
    }

    func withRig(_ body: (Rig) async throws -> Void) async throws {
        try await TestServers.withSimulators([Fixtures.homeSimulator()]) { simulators in
            let folder = NSTemporaryDirectory() + "pipeline-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let config = try ConfigLoader(environment: ["HOME_KEY": Fixtures.homeKey]).parse(
                """
                state_dir: \(folder)
                instances:
                  - project_id: home1234
                    url: \(simulators[0].baseURL)
                    api_key_env: HOME_KEY
                """,
                file: "bridge.yaml",
                folder: folder
            )
            let httpClient = AppwriteClient.makeHTTPClient()
            let client = AppwriteClient(httpClient: httpClient)
            let logger = Logger(label: "pipeline-test") { _ in SwiftLogNoOpLogHandler() }
            let metrics = BridgeMetrics()
            let hub = BridgeEventHub(metrics: metrics)
            let listener = try hub.subscribe(channels: [], lastEventID: nil) { _ in true }
            defer { hub.unsubscribe(listener) }
            let state = BridgeState(config: config)
            let outbox = try await Outbox(path: folder + "/outbox.sqlite3", metrics: metrics)
            let pipeline = ExecutionPipeline(
                client: client,
                limiters: ConcurrencyLimiters(metrics: metrics),
                outbox: outbox,
                tracker: ExecutionTracker(client: client, hub: hub, logger: logger),
                state: state,
                metrics: metrics,
                checkRequests: nil,
                logger: logger
            )
            let rig = Rig(pipeline: pipeline, config: config, instance: config.instances[0], hub: hub, httpClient: client)
            do {
                try await body(rig)
            } catch {
                try? await httpClient.shutdown()
                throw error
            }
            try await httpClient.shutdown()
        }
    }

    /// Counts every JSON parse while `body` runs (in this task and the tasks it starts).
    func parses(_ body: () async throws -> Void) async rethrows -> Int {
        let counter = ParseCounter()
        try await JSONParser.$parseCounter.withValue(counter) { try await body() }
        return counter.value
    }

    static func execution(_ functionID: String, async isAsync: Bool = false) throws -> UpstreamRequest {
        .execution(
            try ExecuteFunctionPayload.translate(
                .object(JSONObject([("function_id", .string(functionID)), ("function_async", .bool(isAsync))]))
            )
        )
    }

    @Test func appwritesAnswerIsParsedOncePerCall() async throws {
        try await withRig { rig in
            // Created: logged, announced to the listener, spliced into Home Assistant's answer.
            let created = try await parses {
                let outcome = try await rig.pipeline.run(rig.call(try Self.execution("echo")))
                guard case .answered(let response) = outcome else { Issue.record("not answered: \(outcome)"); return }
                #expect(response.object?["status"] == "completed")
                _ = JSONResponse.serviceResponse(response, returnResponse: true)
            }
            #expect(created == 1, "an Execution created and published must be parsed exactly once, was \(created)")

            // Refused: logged, mapped to the bridge's error body with Appwrite's type.
            let refused = try await parses {
                do {
                    _ = try await rig.pipeline.run(rig.call(try Self.execution("missing")))
                    Issue.record("a missing function was not refused")
                } catch let error as BridgeError {
                    #expect(error.statusCode == 404)
                    #expect(error.envelope.serialized.contains("function_not_found"), "\(error.envelope.serialized)")
                }
            }
            #expect(refused == 1, "a refusal must be parsed exactly once, was \(refused)")

            // Through the gateway: the answer passes as it is, its version read from the same parse.
            let versions = GatewayVersions()
            let forwarded = try await parses {
                let request = ForwardedRequest(
                    method: .POST,
                    pathAndQuery: "/functions/missing/executions",
                    body: Array("{}".utf8),
                    headers: [],
                    functionID: "missing",
                    createsExecution: true,
                    sendsKey: true,
                    sendsProject: true
                )
                let outcome = try await rig.pipeline.run(rig.call(.forwarded(request), origin: .gateway))
                guard case .answered(let response) = outcome else { Issue.record("not answered: \(outcome)"); return }
                #expect(response.status == 404)
                versions.learn(from: response, of: rig.instance)
            }
            #expect(forwarded == 1, "a gateway answer must be parsed exactly once, was \(forwarded)")
            #expect(versions.version(for: "home1234") == "1.9.6")
        }
    }

    @Test func anUnreachableInstanceQueuesFireAndForgetCallsAndParsesNothing() async throws {
        try await withRig { rig in
            var call = rig.call(try Self.execution("echo", async: true))
            call.instance.baseURL = "http://127.0.0.1:9/v1"
            let count = try await parses {
                let outcome = try await rig.pipeline.run(call)
                guard case .queued(let receipt) = outcome else { Issue.record("not queued: \(outcome)"); return }
                #expect(receipt.projectID == "home1234")
                #expect(!receipt.reason.isEmpty)
            }
            #expect(count == 0, "nothing came back to parse, yet \(count) parses ran")
            // A synchronous call has a caller waiting: it fails, and is not queued.
            var waiting = rig.call(try Self.execution("echo"))
            waiting.instance.baseURL = "http://127.0.0.1:9/v1"
            await #expect(throws: BridgeError.self) { _ = try await rig.pipeline.run(waiting) }
        }
    }

    /// A callback whose execution cannot be followed to its end (here: it outlives the follow
    /// limit) is not dropped silently: the log says why it was not sent.
    @Test func aCallbackThatCannotBeSentIsLogged() async throws {
        try await TestServers.withSimulators([Fixtures.homeSimulator()]) { simulators in
            let config = try ConfigLoader(environment: ["HOME_KEY": Fixtures.homeKey]).parse(
                "instances:\n  - project_id: home1234\n    url: \(simulators[0].baseURL)\n    api_key_env: HOME_KEY\n",
                file: "bridge.yaml",
                folder: NSTemporaryDirectory()
            )
            let httpClient = AppwriteClient.makeHTTPClient()
            let client = AppwriteClient(httpClient: httpClient)
            let capture = LogCapture()
            let tracker = ExecutionTracker(
                client: client,
                hub: BridgeEventHub(metrics: BridgeMetrics()),
                logger: capture.logger(),
                followLimit: .milliseconds(300)
            )
            let created = try await client.perform(try Self.execution("slow", async: true), on: config.instances[0])
            tracker.created(
                created,
                functionID: "slow",
                instance: config.instances[0],
                callbackURL: "http://127.0.0.1:9/hook",
                willWait: false
            )
            let deadline = ContinuousClock.now + .seconds(10)
            while !capture.contains("callback not sent"), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(capture.contains("callback not sent: it did not finish within"), "\(capture.all)")
            try await httpClient.shutdown()
        }
    }
}
