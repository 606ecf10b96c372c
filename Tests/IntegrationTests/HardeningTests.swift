import AppwriteSimulator
import BridgeCore
import Foundation
import Testing

/// The door: scoped tokens, allowlists and hostile bodies, each answered with its status and code
/// before anything reaches Appwrite.
@Suite("hardening over real sockets")
struct HardeningTests {
    static let scopedYAML = """
        auth:
          tokens:
            - name: garage-only
              token: garage_only_token_3b8e1d
              instances: [garage42]
            - name: echo-only
              token: echo_only_token_9c2f4a
              functions: [echo]
            - name: everything
              token: everything_token_5d7e20
        limits:
          max_body_bytes: 2048
        """

    func withBridge(_ body: (TestServers) async throws -> Void) async throws {
        try await TestServers.run(
            simulators: [Fixtures.homeSimulator(), Fixtures.garageSimulator()],
            files: Fixtures.files,
            environment: Fixtures.environment,
            bridgeYAML: { urls in
                """
                listen: 127.0.0.1:0
                \(Self.scopedYAML)
                instances:
                  - project_id: home1234
                    url: \(urls[0])
                    api_key_file: home.key
                    functions: [echo, slow]
                  - project_id: garage42
                    url: \(urls[1])
                    api_key_env: GARAGE_KEY
                """
            },
            body
        )
    }

    func call(_ servers: TestServers, _ project: String, token: String, body: [UInt8], contentType: String = "application/json")
        async throws -> HTTP.Reply
    {
        try await HTTP.send(
            "POST",
            "\(servers.bridgeURL)/api/services/appwrite/execute_function_\(project)?return_response",
            body: body,
            headers: [("Authorization", "Bearer \(token)"), ("Content-Type", contentType)]
        )
    }

    func upstreamCalls(_ servers: TestServers) async -> Int {
        var count = 0
        for simulator in servers.simulators {
            count += await simulator.state.recordedRequests().filter {
                $0.path.contains("/functions/") && !$0.path.contains("_bridge_scope_probe")
            }.count
        }
        return count
    }

    @Test func tokenScopeLimitsInstancesAndNamesTheTokenNotTheSecret() async throws {
        try await withBridge { servers in
            let refused = try await call(
                servers,
                "home1234",
                token: "garage_only_token_3b8e1d",
                body: Array(#"{"function_id":"echo"}"#.utf8)
            )
            #expect(refused.status == 403)
            #expect(refused.json["error"]?["code"] == "forbidden")
            #expect(refused.text.contains("garage-only"))
            #expect(!refused.text.contains("garage_only_token_3b8e1d"))

            let allowed = try await call(
                servers,
                "garage42",
                token: "garage_only_token_3b8e1d",
                body: Array(#"{"function_id":"echo"}"#.utf8)
            )
            #expect(allowed.status == 200)

            let services = try await HTTP.get(
                "\(servers.bridgeURL)/api/services",
                headers: [("Authorization", "Bearer garage_only_token_3b8e1d")]
            )
            let listed = services.json.arrayValue?.first?["services"]?.objectValue?.entries.map(\.key) ?? []
            #expect(listed == ["execute_function_garage42"])
        }
    }

    @Test func functionAllowlistsOfTokenAndInstance() async throws {
        try await withBridge { servers in
            let byToken = try await call(servers, "home1234", token: "echo_only_token_9c2f4a", body: Array(#"{"function_id":"slow"}"#.utf8))
            #expect(byToken.status == 403)
            #expect(byToken.json["error"]?["code"] == "function_not_allowed")
            #expect(byToken.json["error"]?["field"] == "function_id")
            #expect(byToken.text.contains("echo-only"))

            let byInstance = try await call(
                servers,
                "home1234",
                token: "garage_only_token_3b8e1d",
                body: Array(#"{"function_id":"broken"}"#.utf8)
            )
            #expect(byInstance.status == 403)  // the instance scope refuses first
            let instanceList = try await call(
                servers,
                "home1234",
                token: "everything_token_5d7e20",
                body: Array(#"{"function_id":"broken"}"#.utf8)
            )
            #expect(instanceList.status == 403)
            #expect(instanceList.json["error"]?["code"] == "function_not_allowed")
            #expect(instanceList.text.contains("functions list of instance 'home1234'"))
            #expect(await upstreamCalls(servers) == 0)
        }
    }

    @Test func hostileBodiesGetTheirStatusAndCode() async throws {
        try await withBridge { servers in
            let token = "echo_only_token_9c2f4a"
            let big =
                Array(#"{"function_id":"echo","function_body":""#.utf8) + Array(repeating: UInt8(ascii: "a"), count: 4096)
                + Array(#""}"#.utf8)
            let tooLarge = try await call(servers, "home1234", token: token, body: big)
            #expect(tooLarge.status == 413)
            #expect(tooLarge.json["error"]?["code"] == "payload_too_large")

            let plain = try await call(servers, "home1234", token: token, body: Array("function_id=echo".utf8), contentType: "text/plain")
            #expect(plain.status == 415)
            #expect(plain.json["error"]?["code"] == "unsupported_media_type")

            let invalidUTF8: [UInt8] = Array(#"{"function_id":"echo","function_body":""#.utf8) + [0xC3, 0x28, 0xFF] + Array(#""}"#.utf8)
            let badText = try await call(servers, "home1234", token: token, body: invalidUTF8)
            #expect(badText.status == 400)
            #expect(badText.json["error"]?["code"] == "invalid_utf8")

            let deep = Array((String(repeating: "[", count: 200) + String(repeating: "]", count: 200)).utf8)
            let tooDeep = try await call(
                servers,
                "home1234",
                token: token,
                body: Array(#"{"function_id":"echo","function_body":"#.utf8) + deep + [UInt8(ascii: "}")]
            )
            #expect(tooDeep.status == 400)
            #expect(tooDeep.json["error"]?["code"] == "json_too_deep")

            #expect(await upstreamCalls(servers) == 0)
            // Still serving after all that.
            let fine = try await call(servers, "home1234", token: token, body: Array(#"{"function_id":"echo"}"#.utf8))
            #expect(fine.status == 200)
        }
    }

    /// `appwrite-bridge check` on a bridge.yaml in a fresh folder; `launcher`/`script` wrap it
    /// (a read-only mount).
    static func check(yaml: String, script: String = "exec \"$@\"", launcher: [String] = []) async throws
        -> (status: Int32, output: String, folder: String)
    {
        let folder = NSTemporaryDirectory() + "bridge-check-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try (Fixtures.homeKey + "\n").write(toFile: folder + "/home.key", atomically: true, encoding: .utf8)
        try yaml.replacingOccurrences(of: "FOLDER", with: folder).write(
            toFile: folder + "/bridge.yaml",
            atomically: true,
            encoding: .utf8
        )
        let process = try WrappedProcess(
            script: script.replacingOccurrences(of: "FOLDER", with: folder),
            launcher: launcher,
            arguments: ["check", "--config", folder + "/bridge.yaml", "--offline"]
        )
        let status = try await process.waitForExit()
        return (status, process.log, folder)
    }

    static func yaml(stateDir: String, url: String = "http://127.0.0.1:9/v1") -> String {
        """
        state_dir: \(stateDir)
        instances:
          - project_id: home1234
            url: \(url)
            api_key_file: home.key
        """
    }

    @Test func checkFailsLikeAConfigErrorWhenServeCouldNotOpenTheOutbox() async throws {
        let fine = try await Self.check(yaml: Self.yaml(stateDir: "FOLDER/state"))
        #expect(fine.status == 0, "\(fine.output)")
        // check creates nothing: serve makes the folder when it starts.
        #expect(!FileManager.default.fileExists(atPath: fine.folder + "/state"))

        // Missing and impossible to create.
        let uncreatable = try await Self.check(yaml: Self.yaml(stateDir: "/proc/appwrite-bridge-state"))
        #expect(uncreatable.status == 1)
        #expect(uncreatable.output.contains("invalid configuration"))
        #expect(uncreatable.output.contains("state_dir: cannot open the outbox database /proc/appwrite-bridge-state/outbox.sqlite"))

        // There, but read-only (a read-only mount: root ignores permission bits).
        if OutboxFullDiskTests.canMountTmpfs {
            let readOnly = try await Self.check(
                yaml: Self.yaml(stateDir: "FOLDER/state"),
                script: "mkdir -p FOLDER/state && mount -t tmpfs -o ro tmpfs FOLDER/state && exec \"$@\"",
                launcher: ["/usr/bin/unshare", "-rm"]
            )
            #expect(readOnly.status == 1, "\(readOnly.output)")
            #expect(readOnly.output.contains("Read-only file system"), "\(readOnly.output)")
        }
    }

    @Test func aPasswordInAnInstanceURLIsNeverPrinted() async throws {
        let result = try await Self.check(yaml: Self.yaml(stateDir: "FOLDER/state", url: "http://user:hunter2pw@127.0.0.1:9/v1"))
        #expect(result.status == 1)
        #expect(result.output.contains("http://***@127.0.0.1:9/v1"), "\(result.output)")
        #expect(!result.output.contains("hunter2pw"))
    }
}
