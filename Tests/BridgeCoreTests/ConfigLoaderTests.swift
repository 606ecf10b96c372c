import Foundation
import Testing

@testable import BridgeCore

@Suite("bridge.yaml loading")
struct ConfigLoaderTests {
    let folder: String

    init() throws {
        folder = NSTemporaryDirectory() + "bridge-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "key-from-file\n".write(toFile: folder + "/home.key", atomically: true, encoding: .utf8)
        try "".write(toFile: folder + "/empty.key", atomically: true, encoding: .utf8)
    }

    func load(_ yaml: String, environment: [String: String] = [:]) throws(ConfigError) -> BridgeConfig {
        try ConfigLoader(environment: environment).parse(yaml, file: "bridge.yaml", folder: folder)
    }

    func loadError(_ yaml: String, environment: [String: String] = [:]) -> ConfigError? {
        do {
            _ = try load(yaml, environment: environment)
            return nil
        } catch {
            return error
        }
    }

    @Test func minimalFileGetsDefaults() throws {
        let config = try load(
            """
            instances:
              - project_id: home1234
                url: https://cloud.appwrite.io/v1/
                api_key_file: home.key
            """
        )
        #expect(config.listen == ListenAddress(host: "127.0.0.1", port: 8787))
        #expect(config.tokens.isEmpty)
        let instance = try #require(config.instances.first)
        #expect(instance.projectID == "home1234")
        #expect(instance.name == "home1234")
        #expect(instance.baseURL == "https://cloud.appwrite.io/v1")
        #expect(instance.apiKey.value == "key-from-file")
        #expect(instance.timeoutSeconds == 35)
        #expect(instance.actionName == "execute_function_home1234")
    }

    @Test func fullFileWithEveryKeySource() throws {
        let config = try load(
            """
            listen: "[::1]:9000"
            auth:
              tokens:
                - name: ha
                  token_env: BRIDGE_TOKEN
                - token: inline-token
            instances:
              - project_id: home1234
                name: Home
                url: http://appwrite.local/v1
                api_key_env: HOME_KEY
                timeout_seconds: 10
              - project_id: garage42
                url: http://appwrite.local/v1
                api_key: inline-key
            """,
            environment: ["BRIDGE_TOKEN": "t0k3n", "HOME_KEY": "k3y"]
        )
        #expect(config.listen == ListenAddress(host: "::1", port: 9000))
        #expect(config.tokens.map(\.name) == ["ha", "token2"])
        #expect(config.tokens.map(\.secret.value) == ["t0k3n", "inline-token"])
        #expect(config.instances.map(\.apiKey.value) == ["k3y", "inline-key"])
        #expect(config.instances[0].timeoutSeconds == 10)
        #expect(config.warnings.count == 2)
        #expect(config.warnings.allSatisfy { !$0.contains("inline-key") && !$0.contains("inline-token") })
    }

    @Test func credentialsDirectoryServesBareNames() throws {
        let credentials = folder + "/credentials"
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        try "from-systemd\r\n".write(toFile: credentials + "/home", atomically: true, encoding: .utf8)
        let config = try load(
            """
            instances:
              - project_id: home1234
                url: http://a.local/v1
                api_key_file: home
            """,
            environment: ["CREDENTIALS_DIRECTORY": credentials]
        )
        #expect(config.instances[0].apiKey.value == "from-systemd")
    }

    @Test func yamlSyntaxErrorHasLineAndColumn() throws {
        let error = try #require(
            loadError(
                """
                instances:
                  - project_id: home1234
                    url: [unclosed
                """
            )
        )
        #expect(error.line == 4)
        #expect(error.column != nil)
        #expect(error.message.contains("YAML syntax error"))
        #expect(error.description.hasPrefix("bridge.yaml:4:"))
    }

    @Test func unknownKeyIsNamedWithPosition() throws {
        let error = try #require(
            loadError(
                """
                instances:
                  - project_id: home1234
                    url: http://a.local/v1
                    api_key_file: home.key
                    timeout: 3
                """
            )
        )
        #expect(error.line == 5)
        #expect(error.column == 14)
        #expect(error.path == "instances[0]")
        #expect(error.message.contains("unknown key 'timeout'"))
    }

    @Test func unknownTopLevelKey() throws {
        let error = try #require(loadError("listen: 127.0.0.1:1\nlisten_port: 3\ninstances: []\n"))
        #expect(error.line == 2)
        #expect(error.message.contains("'listen_port'"))
    }

    @Test func wrongTypeIsLocated() throws {
        let error = try #require(
            loadError(
                """
                instances:
                  - project_id: home1234
                    url: http://a.local/v1
                    api_key_file: home.key
                    timeout_seconds: soon
                """
            )
        )
        #expect(error.line == 5)
        #expect(error.column == 22)
        #expect(error.path == "instances[0].timeout_seconds")
    }

    @Test func instancesMustBeAList() throws {
        let error = try #require(loadError("instances: yes\n"))
        #expect(error.line == 1)
        #expect(error.message.contains("a list"))
    }

    @Test func missingFieldNamesIt() throws {
        let error = try #require(
            loadError(
                """
                instances:
                  - project_id: home1234
                    api_key_file: home.key
                """
            )
        )
        #expect(error.line == 2)
        #expect(error.message == "missing required key 'url'")
        #expect(error.path == "instances[0]")
    }

    @Test func missingInstances() throws {
        let error = try #require(loadError("listen: 127.0.0.1:8787\n"))
        #expect(error.message.contains("'instances'"))
        #expect(error.line == 1)
    }

    /// A freshly installed package: valid, and STATUS=/readyz tell the user what to do next.
    @Test func emptyInstanceListIsAFreshInstall() throws {
        let config = try ConfigLoader(environment: [:]).parse(
            "instances: []\n",
            file: "/etc/appwrite-bridge/bridge.yaml",
            folder: folder
        )
        #expect(config.instances.isEmpty)
        let expected = "no instances configured: edit /etc/appwrite-bridge/bridge.yaml, then systemctl reload appwrite-bridge"
        #expect(config.noInstancesMessage == expected)
        #expect(BridgeState(config: config).summary == expected)
    }

    @Test func emptyFile() throws {
        let error = try #require(loadError(""))
        #expect(error.message.contains("empty"))
    }

    @Test func duplicateProjectIDPointsAtBoth() throws {
        let error = try #require(
            loadError(
                """
                instances:
                  - project_id: home1234
                    url: http://a.local/v1
                    api_key_file: home.key
                  - project_id: home1234
                    url: http://b.local/v1
                    api_key_file: home.key
                """
            )
        )
        #expect(error.line == 5)
        #expect(error.path == "instances[1].project_id")
        #expect(error.message.contains("already used by the instance on line 2"))
    }

    @Test(arguments: [
        ("ftp://a.local/v1", "not an http or https URL"),
        ("http://a.local", "must end with the API version /v1"),
        ("not a url", "not an http or https URL"),
        ("http://a.local/v1?x=1", "must not carry a query"),
    ])
    func badURL(url: String, expected: String) throws {
        let error = try #require(
            loadError(
                """
                instances:
                  - project_id: home1234
                    url: "\(url)"
                    api_key_file: home.key
                """
            )
        )
        #expect(error.line == 3)
        #expect(error.path == "instances[0].url")
        #expect(error.message.contains(expected))
    }

    @Test func secretFileMissing() throws {
        let error = try #require(
            loadError(
                """
                instances:
                  - project_id: home1234
                    url: http://a.local/v1
                    api_key_file: nowhere.key
                """
            )
        )
        #expect(error.line == 4)
        #expect(error.path == "instances[0].api_key_file")
        #expect(error.message.contains("cannot read secret file \(folder)/nowhere.key"))
    }

    @Test func secretFileEmpty() throws {
        let error = try #require(
            loadError(
                """
                instances:
                  - project_id: home1234
                    url: http://a.local/v1
                    api_key_file: empty.key
                """
            )
        )
        #expect(error.line == 4)
        #expect(error.message.contains("is empty"))
    }

    @Test func environmentVariableUnset() throws {
        let error = try #require(
            loadError(
                """
                instances:
                  - project_id: home1234
                    url: http://a.local/v1
                    api_key_env: NOT_SET_ANYWHERE
                """
            )
        )
        #expect(error.line == 4)
        #expect(error.message == "environment variable NOT_SET_ANYWHERE is not set")
    }

    @Test func twoKeySourcesAreRefused() throws {
        let error = try #require(
            loadError(
                """
                instances:
                  - project_id: home1234
                    url: http://a.local/v1
                    api_key_file: home.key
                    api_key_env: HOME_KEY
                """,
                environment: ["HOME_KEY": "x"]
            )
        )
        #expect(error.message.contains("set only one of api_key_file, api_key_env or api_key"))
    }

    @Test func noKeySourceIsRefused() throws {
        let error = try #require(loadError("instances:\n  - project_id: home1234\n    url: http://a.local/v1\n"))
        #expect(error.message.contains("missing secret"))
        #expect(error.line == 2)
    }

    @Test func invalidProjectID() throws {
        let error = try #require(
            loadError("instances:\n  - project_id: _home\n    url: http://a.local/v1\n    api_key_file: home.key\n")
        )
        #expect(error.path == "instances[0].project_id")
        #expect(error.line == 2)
    }

    @Test func nonLoopbackListenNeedsTokens() throws {
        let yaml = """
            listen: 0.0.0.0:8787
            instances:
              - project_id: home1234
                url: http://a.local/v1
                api_key_file: home.key
            """
        let error = try #require(loadError(yaml))
        #expect(error.line == 1)
        #expect(error.message.contains("auth.tokens must name at least one token"))
        let withToken = try load(
            yaml.replacingOccurrences(of: "instances:", with: "auth:\n  tokens:\n    - token_file: home.key\ninstances:")
        )
        #expect(withToken.tokens.count == 1)
    }

    @Test func badListenAddress() throws {
        let error = try #require(
            loadError("listen: localhost\ninstances:\n  - project_id: a\n    url: http://a.local/v1\n    api_key_file: home.key\n")
        )
        #expect(error.path == "listen")
        #expect(error.line == 1)
    }

    @Test func loadReadsFromDiskRelativeToTheFile() throws {
        let path = folder + "/bridge.yaml"
        try "instances:\n  - project_id: p1\n    url: http://a.local/v1\n    api_key_file: home.key\n".write(
            toFile: path,
            atomically: true,
            encoding: .utf8
        )
        let config = try ConfigLoader(environment: [:]).load(path: path)
        #expect(config.instances[0].apiKey.value == "key-from-file")
        #expect(throws: ConfigError.self) { try ConfigLoader(environment: [:]).load(path: folder + "/missing.yaml") }
    }

    @Test func listenAddressLoopbackRules() {
        #expect(ListenAddress(parsing: "127.0.0.1:1")?.isLoopback == true)
        #expect(ListenAddress(parsing: "127.8.9.10:1")?.isLoopback == true)
        #expect(ListenAddress(parsing: "[::1]:1")?.isLoopback == true)
        #expect(ListenAddress(parsing: "localhost:1")?.isLoopback == true)
        #expect(ListenAddress(parsing: "0.0.0.0:1")?.isLoopback == false)
        #expect(ListenAddress(parsing: "192.168.1.2:80")?.isLoopback == false)
        #expect(ListenAddress(parsing: "host:99999") == nil)
        #expect(ListenAddress(parsing: "::1:80") == nil)
    }

    @Test func secretsNeverPrint() {
        let secret = Secret("super-secret")
        #expect("\(secret)" == "<redacted>")
        #expect(String(reflecting: secret) == "<redacted>")
        #expect(secret.constantTimeEquals("super-secret"))
        #expect(!secret.constantTimeEquals("super-secreT"))
        #expect(!secret.constantTimeEquals("super"))
        #expect(!secret.constantTimeEquals("super-secret-longer"))
    }

    @Test(arguments: [
        ("http://user:hunter2pw@a.local/v1", "'http://***@a.local/v1'"),
        ("https://admin:hunter2pw@a.local:8443/v1/", "'https://***@a.local:8443/v1/'"),
        ("http://:hunter2pw@a.local/v1", "'http://***@a.local/v1'"),
        ("http://us@er:hunter2pw@a.local/v1", "'http://***@a.local/v1'"),
        ("http://user:hunter2pw with space@a.local/v1", "'http://***@a.local/v1'"),
        ("user:hunter2pw@a.local/v1", "'***@a.local/v1'"),
        ("http://hunter2pw@a.local/v1", "'http://***@a.local/v1'"),
    ])
    func userInfoInAnInstanceURLIsRefusedWithoutRepeatingIt(url: String, shown: String) throws {
        let error = try #require(
            loadError(
                """
                instances:
                  - project_id: home1234
                    url: "\(url)"
                    api_key_file: home.key
                """
            )
        )
        #expect(error.line == 3)
        #expect(error.path == "instances[0].url")
        #expect(error.message.contains(shown), "\(error)")
        #expect(error.message.contains("user info"))
        #expect(!error.description.contains("hunter2pw"))
    }

    @Test func userInfoRedactionLeavesOrdinaryURLsAlone() {
        #expect(ConfigLoader.redactingUserInfo("https://cloud.appwrite.io/v1") == "https://cloud.appwrite.io/v1")
        #expect(ConfigLoader.redactingUserInfo("http://a.local/v1?mail=a@b") == "http://a.local/v1?mail=a@b")
        #expect(ConfigLoader.redactingUserInfo("http://a.local/v1/@x") == "http://a.local/v1/@x")
    }

    @Test(arguments: [
        ("token: \"   \"", "auth.tokens[0].token", "is blank"),
        ("token: \" padded-token\"", "auth.tokens[0].token", "starts or ends with whitespace"),
        ("token: \"padded-token\\t\"", "auth.tokens[0].token", "starts or ends with whitespace"),
        ("token_env: PADDED", "auth.tokens[0].token_env", "starts or ends with whitespace"),
        ("token_env: BLANK", "auth.tokens[0].token_env", "is blank"),
        ("token_file: padded.token", "auth.tokens[0].token_file", "starts or ends with whitespace"),
    ])
    func blankOrPaddedTokensAreRefusedAtLoad(source: String, path: String, expected: String) throws {
        try "padded-token  \n".write(toFile: folder + "/padded.token", atomically: true, encoding: .utf8)
        let error = try #require(
            loadError(
                """
                auth:
                  tokens:
                    - name: ha
                      \(source)
                instances:
                  - project_id: home1234
                    url: http://a.local/v1
                    api_key_file: home.key
                """,
                environment: ["PADDED": "padded-token ", "BLANK": " \t "]
            )
        )
        #expect(error.line == 4)
        #expect(error.path == path)
        #expect(error.message.contains(expected), "\(error)")
        #expect(error.message.contains("'ha'"))
        #expect(!error.description.contains("padded-token"))
    }

    @Test func connectionLimitsHaveDefaultsAndRanges() throws {
        let yaml = { (limits: String) in
            """
            limits:
            \(limits)
            instances:
              - project_id: home1234
                url: http://a.local/v1
                api_key_file: home.key
            """
        }
        let defaults = try load(yaml("  max_body_bytes: 2048"))
        #expect(defaults.limits.requestTimeoutSeconds == 30)
        #expect(defaults.limits.maximumConnections == nil)
        let set = try load(yaml("  request_timeout_seconds: 2.5\n  max_connections: 64"))
        #expect(set.limits.requestTimeoutSeconds == 2.5)
        #expect(set.limits.maximumConnections == 64)
        let tooFew = try #require(loadError(yaml("  max_connections: 2")))
        #expect(tooFew.path == "limits.max_connections")
        #expect(tooFew.message.contains("between 4 and 1000000"))
        let tooLong = try #require(loadError(yaml("  request_timeout_seconds: 0")))
        #expect(tooLong.path == "limits.request_timeout_seconds")
        #expect(ConnectionLimit.defaultMaximum(descriptorLimit: 1_024) == 768)
        #expect(ConnectionLimit.defaultMaximum(descriptorLimit: 524_288) == 10_000)
        #expect(ConnectionLimit.defaultMaximum(descriptorLimit: 8) == 16)
    }
}
