import BridgeCore
import Foundation
import Testing

@Suite("Prometheus metrics")
struct MetricsTests {
    func sample(_ text: String, _ prefix: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(prefix + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test func countersMoveAndTheTextParses() async throws {
        try await TestServers.run(
            simulators: [Fixtures.homeSimulator(), Fixtures.garageSimulator()],
            files: Fixtures.files,
            environment: Fixtures.environment,
            bridgeYAML: { Fixtures.twoInstanceYAML($0) }
        ) { servers in
            _ = try await servers.waitForChecks()
            // Metrics of rare events exist at zero before the first one.
            let start = try await HTTP.get("\(servers.bridgeURL)/metrics").text
            for name in [
                "appwrite_bridge_event_listeners", "appwrite_bridge_event_listeners_dropped_total",
                "appwrite_bridge_event_listeners_refused_total", #"appwrite_bridge_reloads_total{result="ok"}"#,
                #"appwrite_bridge_reloads_total{result="failed"}"#,
                #"appwrite_bridge_connections_rejected_total{reason="request_timeout"}"#,
            ] {
                #expect(sample(start, name) == 0, "\(name) at start")
            }
            let url = "\(servers.bridgeURL)/api/services/appwrite/execute_function_home1234"
            _ = try await HTTP.post(url, json: #"{"function_id": "echo"}"#)
            let first = try await HTTP.get("\(servers.bridgeURL)/metrics")
            #expect(first.status == 200)
            #expect(first.contentType?.hasPrefix("text/plain") == true)
            let requests = #"appwrite_bridge_requests_total{action="execute_function_home1234",status="200"}"#
            #expect(sample(first.text, requests) == 1)
            _ = try await HTTP.post(url, json: #"{"function_id": "echo"}"#)
            _ = try await HTTP.post(url, json: #"{"function_id": "_bad"}"#)
            _ = try await HTTP.post("\(servers.bridgeURL)/api/services/appwrite/execute_function_scanner", json: "{}")
            _ = try await HTTP.post("\(servers.bridgeURL)/api/reload")
            let second = try await HTTP.get("\(servers.bridgeURL)/metrics")
            #expect(sample(second.text, requests) == 2)
            #expect(sample(second.text, #"appwrite_bridge_requests_total{action="execute_function_home1234",status="400"}"#) == 1)
            #expect(sample(second.text, #"appwrite_bridge_requests_total{action="unknown",status="404"}"#) == 1)
            #expect(sample(second.text, #"appwrite_bridge_reloads_total{result="ok"}"#) == 1)
            #expect(sample(second.text, "appwrite_bridge_config_generation") == 2)
            #expect(sample(second.text, #"appwrite_bridge_instance_state{instance="home1234",state="ok"}"#) == 1)
            #expect((sample(second.text, #"appwrite_bridge_instance_state{instance="home1234",state="unreachable"}"#) ?? 0) == 0)
            #expect(second.text.contains(#"appwrite_bridge_upstream_duration_seconds_bucket{instance="home1234",outcome="201""#))
            // Every sample line of the exposition format: name, optional labels, a number.
            let sampleLine = /[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (-?[0-9.eE+-]+|NaN|\+Inf)/
            for line in second.text.split(separator: "\n") where !line.hasPrefix("#") {
                #expect(line.wholeMatch(of: sampleLine) != nil, "not Prometheus text: \(line)")
            }
            for secret in Fixtures.allSecrets { #expect(!second.text.contains(secret)) }
        }
    }
}
