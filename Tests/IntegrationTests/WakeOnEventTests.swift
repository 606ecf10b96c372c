import AppwriteSimulator
@testable import BridgeCore
import Foundation
import Logging
import Testing

/// Outbox delivery and the instance monitor sleep between events instead of polling. These prove
/// they still act at once on the event (an item queued, an instance seen healthy after a failure,
/// a check asked for by a failed call) and on time when a retry falls due with nothing else
/// happening, against a real simulator on a loopback socket. No wall-clock assertions: each
/// waits for the outcome with a deadline far below the backoff or re-check it must not wait for.
@Suite("waking on events, not polling", .serialized)
struct WakeOnEventTests {
    static let client = AppwriteClient(httpClient: AppwriteClient.makeHTTPClient())
    static let executions = "/v1/functions/echo/executions"

    struct Bridge {
        let state: BridgeState
        let outbox: Outbox
        let log: LogCapture
        var instance: InstanceConfig { state.current.config.instances[0] }

        init(simulator: TestServers.SimulatorHandle) async throws {
            let folder = NSTemporaryDirectory() + "wake-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let config = try ConfigLoader(environment: ["KEY": Fixtures.homeKey]).parse(
                """
                state_dir: \(folder)
                instances:
                  - project_id: home1234
                    url: \(simulator.baseURL)
                    api_key_env: KEY
                """,
                file: "bridge.yaml",
                folder: folder
            )
            state = BridgeState(config: config)
            outbox = try await Outbox(path: config.outbox.databasePath, changes: state.changes)
            log = LogCapture()
        }

        func delivery(firstRetry: Duration) -> OutboxDelivery {
            OutboxDelivery(
                outbox: outbox,
                state: state,
                pipeline: .standalone(client: WakeOnEventTests.client, state: state, outbox: outbox, logger: log.logger()),
                logger: log.logger(),
                firstRetry: firstRetry
            )
        }

        func monitor(_ requests: CheckRequests) -> InstanceMonitor {
            InstanceMonitor(
                state: state,
                checker: InstanceChecker(client: WakeOnEventTests.client),
                logger: log.logger(),
                recheckInterval: .seconds(300),
                firstRetry: .seconds(60),
                checkRequests: requests
            )
        }

        func enqueue(_ seq: Int) async throws {
            let request = CreateExecutionRequest(
                functionID: "echo", body: #"{"seq":\#(seq)}"#, isAsync: true, path: "/", method: "POST", headers: [],
                scheduledAt: nil
            )
            _ = try await outbox.enqueue(.execution(request), projectID: "home1234", reason: "test")
        }

        /// Waits (woken by `signal`, never polling) until `condition` holds; false after `timeout`.
        func until(_ signal: ChangeSignal, within timeout: Duration, _ condition: () -> Bool) async -> Bool {
            await waitWoken(by: signal, within: timeout, until: condition)
        }
    }

    /// Runs `services` beside `body`, cancelling them when it ends.
    static func running(_ services: [@Sendable () async throws -> Void], _ body: () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in services { group.addTask { try await service() } }
            do {
                try await body()
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
            try await group.waitForAll()
        }
    }

    /// Makes the simulator answer the first createExecution with 503 (Appwrite overloaded).
    static func failFirstExecution(_ simulator: TestServers.SimulatorHandle) async throws {
        let reply = try await HTTP.post(
            simulator.baseURL.replacingOccurrences(of: "/v1", with: "") + "/_simulator/faults",
            json: #"{"method": "POST", "path": "\#(executions)", "attempts": [1], "action": "fail", "status": 503}"#
        )
        #expect(reply.status < 300, "\(reply.text)")
    }

    static func executionsReceived(_ simulator: TestServers.SimulatorHandle) async -> Int {
        await simulator.state.recordedRequests().filter { $0.path == executions }.count
    }

    @Test func anItemQueuedWhileDeliveryIsAsleepGoesAtOnce() async throws {
        try await TestServers.withSimulators([Fixtures.homeSimulator()]) { simulators in
            let bridge = try await Bridge(simulator: simulators[0])
            let delivery = bridge.delivery(firstRetry: .seconds(60))
            try await Self.running([delivery.run]) {
                for seq in 0..<3 {
                    try await bridge.enqueue(seq)
                    #expect(await bridge.until(bridge.outbox.backlogChanged, within: .seconds(10)) { bridge.outbox.isEmpty })
                }
            }
            #expect(await Self.executionsReceived(simulators[0]) == 3)
        }
    }

    /// Nothing but the retry's own deadline can wake delivery here: no monitor, no state change.
    @Test func aFailedItemIsRetriedWhenItsBackoffEnds() async throws {
        try await TestServers.withSimulators([Fixtures.homeSimulator()]) { simulators in
            try await Self.failFirstExecution(simulators[0])
            let bridge = try await Bridge(simulator: simulators[0])
            try await bridge.enqueue(1)
            let delivery = bridge.delivery(firstRetry: .milliseconds(400))
            try await Self.running([delivery.run]) {
                #expect(await bridge.until(bridge.outbox.backlogChanged, within: .seconds(20)) { bridge.outbox.isEmpty })
            }
            #expect(await Self.executionsReceived(simulators[0]) == 2)
            #expect(bridge.log.contains("are waiting"))
        }
    }

    /// A failed call asks for a check; the monitor, idle until its next re-check in 300 s, checks
    /// at once; the item held back by a 30-60 s backoff goes as soon as that check says ok.
    @Test func aRequestedCheckWakesTheMonitorAndAHealthyCheckReleasesTheOutbox() async throws {
        try await TestServers.withSimulators([Fixtures.homeSimulator()]) { simulators in
            let bridge = try await Bridge(simulator: simulators[0])
            let requests = CheckRequests()
            let monitor = bridge.monitor(requests)
            let delivery = bridge.delivery(firstRetry: .seconds(60))
            try await Self.running([monitor.run, delivery.run]) {
                #expect(await bridge.until(bridge.state.changes, within: .seconds(20)) {
                    bridge.state.health(of: "home1234").state == .ok
                })
                let firstCheck = try #require(bridge.state.health(of: "home1234").checkedAt)

                try await Self.failFirstExecution(simulators[0])
                try await bridge.enqueue(1)
                #expect(await bridge.log.wait(for: "are waiting", within: .seconds(20)))
                #expect(!bridge.outbox.isEmpty)

                requests.request("home1234")
                #expect(await bridge.until(bridge.state.changes, within: .seconds(20)) {
                    (bridge.state.health(of: "home1234").checkedAt ?? .distantPast) > firstCheck
                })
                #expect(await bridge.until(bridge.outbox.backlogChanged, within: .seconds(20)) { bridge.outbox.isEmpty })
            }
            #expect(await Self.executionsReceived(simulators[0]) == 2)
        }
    }

    /// The monitor sees Appwrite fail only because a call asked: its re-check is 300 s away.
    @Test func aRequestedCheckFindsAnOutageAtOnce() async throws {
        try await TestServers.withSimulators([Fixtures.homeSimulator()]) { simulators in
            let bridge = try await Bridge(simulator: simulators[0])
            let requests = CheckRequests()
            try await Self.running([bridge.monitor(requests).run]) {
                #expect(await bridge.until(bridge.state.changes, within: .seconds(20)) {
                    bridge.state.health(of: "home1234").state == .ok
                })
                let reply = try await HTTP.post(
                    simulators[0].baseURL.replacingOccurrences(of: "/v1", with: "") + "/_simulator/faults",
                    json: #"{"method": "GET", "path": "/v1/health", "action": "fail", "status": 503}"#
                )
                #expect(reply.status < 300, "\(reply.text)")
                requests.request("home1234")
                #expect(await bridge.until(bridge.state.changes, within: .seconds(20)) {
                    bridge.state.health(of: "home1234").state != .ok
                })
            }
        }
    }
}
