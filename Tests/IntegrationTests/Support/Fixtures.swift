import AppwriteSimulator

/// Keys and functions shared by the integration tests. Keys are long and distinctive so a test
/// can search logs and responses for them.
enum Fixtures {
    static let homeKey = "standard_home_key_7f3a9c1e5b2d4f60"
    static let noScopeKey = "standard_noscope_key_0c8e2a4b6d1f3e57"
    static let garageKey = "standard_garage_key_9d7b5f3a1c2e4068"
    static let bridgeToken = "bridge_token_5e1a7c3b9d2f4e60"

    static var allSecrets: [String] { [homeKey, noScopeKey, garageKey, bridgeToken] }

    static func homeSimulator() -> SimulatorConfig {
        SimulatorConfig(
            syncTimeoutSeconds: 30,
            projects: [
                .init(
                    id: "home1234",
                    keys: [
                        .init(secret: homeKey, scopes: ["executions.write", "executions.read"]),
                        .init(secret: noScopeKey, scopes: ["functions.read"]),
                    ],
                    functions: [
                        .init(id: "echo"),
                        .init(id: "slow", sleepSeconds: 3),
                        .init(id: "broken", responseStatus: 500),
                        .init(id: "undeployed", deployment: false),
                        .init(id: "building", buildReady: false),
                    ]
                )
            ]
        )
    }

    static func garageSimulator() -> SimulatorConfig {
        SimulatorConfig(
            projects: [
                .init(
                    id: "garage42",
                    keys: [.init(secret: garageKey, scopes: ["execution.write"])],
                    functions: [.init(id: "echo")]
                )
            ]
        )
    }

    /// bridge.yaml with the two simulators, keys from files and the environment.
    static func twoInstanceYAML(_ urls: [String], extra: String = "") -> String {
        """
        listen: 127.0.0.1:0
        \(extra)
        instances:
          - project_id: home1234
            name: Home
            url: \(urls[0])
            api_key_file: home.key
            timeout_seconds: 2
          - project_id: garage42
            name: Garage
            url: \(urls[1])
            api_key_env: GARAGE_KEY
        """
    }

    static let files = ["home.key": homeKey + "\n", "noscope.key": noScopeKey + "\n", "token": bridgeToken + "\n"]
    static let environment = ["GARAGE_KEY": garageKey]
}
