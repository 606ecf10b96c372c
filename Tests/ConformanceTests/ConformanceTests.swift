import AppwriteSimulator
import BridgeCore
import Foundation
import Testing

/// One suite, two targets: every case and scenario runs against the simulator and against the
/// bridge's gateway in front of a simulator, so the two cannot drift from Appwrite or each other.
@Suite("Appwrite conformance: simulator and gateway", .serialized)
struct ConformanceTests {
    func send(_ target: ConformanceTarget, _ testCase: ConformanceCase) async throws -> Exchange {
        let project = testCase.project ?? "conf1"
        return try await Exchange.send(
            testCase.method,
            target.baseURL + testCase.path,
            project: testCase.project,
            key: target.keys(testCase.key, project),
            body: testCase.body,
            contentType: testCase.contentType
        )
    }

    /// Every rule of the simulator's README has a case or a scenario here.
    @Test func everyRuleOfTheReadmeIsCovered() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/AppwriteSimulator/README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let rules = Set(
            text.split(separator: "\n").compactMap { line in line.firstMatch(of: /^\| ([A-Z]+[0-9]+) \|/).map { String($0.1) } }
        )
        #expect(rules.count >= 40, "\(rules.sorted())")
        let covered = Set(ConformanceCases.all().map(\.rule)).union(ConformanceCases.scenarioRules)
        #expect(rules.subtracting(covered).isEmpty, "rules without a case: \(rules.subtracting(covered).sorted())")
    }

    @Test func everyCaseOnBothTargets() async throws {
        let cases = ConformanceCases.all()
        try await Conformance.withEachTarget { target in
            for testCase in cases {
                let exchange = try await send(target, testCase)
                for problem in testCase.problems(exchange, target: target) {
                    Issue.record("[\(target.name)] \(testCase): \(problem)")
                }
            }
            if target.name == "gateway" {
                // Path tricks are answered by the gateway and never reach Appwrite with a key.
                let paths = await target.simulator.recordedRequests().map(\.path)
                #expect(!paths.contains { $0.contains("..") || $0.contains("%2F") || $0.contains("%3F") }, "\(paths)")
            }
        }
    }

    @Test func storedExecutionsDropWhatOnlyTheSyncReplyCarries() async throws {
        try await Conformance.withEachTarget { target in
            let key = target.keys(.full, "conf1")
            let sync = try await Exchange.send(
                "POST",
                target.baseURL + "/functions/echo/executions",
                project: "conf1",
                key: key,
                body: #"{"body": "hello", "headers": {"Content-Type": "text/plain", "X-Private": "p"}}"#
            )
            #expect(sync.status == 201, "[\(target.name)] \(sync.text)")
            let id = try #require(sync.json["$id"]?.stringValue)
            let stored = try await Exchange.send("GET", target.baseURL + "/functions/echo/executions/\(id)", project: "conf1", key: key)
            #expect(stored.status == 200, "[\(target.name)] G1")
            #expect(stored.json["responseBody"] == "", "[\(target.name)] G1 responseBody")
            #expect(stored.json["responseHeaders"] == [["name": "content-type", "value": "application/json"]], "[\(target.name)] G1")
            #expect(
                stored.json["requestHeaders"]
                    == [["name": "Content-Type", "value": "text/plain"], ["name": "x-appwrite-client-ip", "value": "127.0.0.1"]],
                "[\(target.name)] X4"
            )
            for field in ["$id", "$createdAt", "functionId", "status", "responseStatusCode", "requestPath", "requestMethod"] {
                #expect(stored.json[field] == sync.json[field], "[\(target.name)] G1 \(field)")
            }
            let created = sync.json["$createdAt"]?.stringValue ?? ""
            #expect(created.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00/) != nil, "[\(target.name)] X6 \(created)")
            let other = try await Exchange.send("GET", target.baseURL + "/functions/slow/executions/\(id)", project: "conf1", key: key)
            #expect(other.status == 404 && other.json["type"] == "execution_not_found", "[\(target.name)] G2")
        }
    }

    @Test func asyncExecutionsProgressAndListOldestFirst() async throws {
        try await Conformance.withEachTarget { target in
            let key = target.keys(.full, "conf1")
            var ids: [String] = []
            for path in ["/a", "/b", "/c"] {
                let reply = try await Exchange.send(
                    "POST",
                    target.baseURL + "/functions/slow/executions",
                    project: "conf1",
                    key: key,
                    body: #"{"async": true, "path": "\#(path)"}"#
                )
                #expect(reply.status == 202, "[\(target.name)] X2")
                ids.append(reply.json["$id"]?.stringValue ?? "")
            }
            var status = ""
            let deadline = ContinuousClock.now + .seconds(10)
            while status != "completed", ContinuousClock.now < deadline {
                let fetched = try await Exchange.send(
                    "GET",
                    target.baseURL + "/functions/slow/executions/\(ids[0])",
                    project: "conf1",
                    key: key
                )
                status = fetched.json["status"]?.stringValue ?? ""
                #expect(["waiting", "processing", "completed"].contains(status), "[\(target.name)] G3 \(status)")
                if status != "completed" { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(status == "completed", "[\(target.name)] G3")
            let list = try await Exchange.send("GET", target.baseURL + "/functions/slow/executions", project: "conf1", key: key)
            #expect(list.status == 200)
            #expect(list.json["total"] == 3, "[\(target.name)] L1")
            let listed = list.json["executions"]?.arrayValue?.compactMap { $0["$id"]?.stringValue } ?? []
            #expect(listed == ids, "[\(target.name)] L1 oldest first")
            let limited = try await Exchange.send(
                "GET",
                target.baseURL
                    + "/functions/slow/executions?queries%5B%5D=%7B%22method%22%3A%22limit%22%2C%22values%22%3A%5B1%5D%7D&total=false",
                project: "conf1",
                key: key
            )
            #expect(limited.json["executions"]?.arrayValue?.count == 1, "[\(target.name)] L2 \(limited.text.prefix(200))")
            #expect(limited.json["total"] == 0, "[\(target.name)] L3")
            let ordered = try await Exchange.send(
                "GET",
                target.baseURL
                    + "/functions/slow/executions?queries%5B%5D=%7B%22method%22%3A%22orderDesc%22%2C%22attribute%22%3A%22requestPath%22%7D",
                project: "conf1",
                key: key
            )
            let paths = ordered.json["executions"]?.arrayValue?.compactMap { $0["requestPath"]?.stringValue } ?? []
            #expect(paths == ["/c", "/b", "/a"], "[\(target.name)] L2 order")
        }
    }
}
