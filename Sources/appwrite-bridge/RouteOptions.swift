import ArgumentParser
import BridgeCore
import Foundation

/// How `call` and `upload` reach Appwrite: through a running bridge (`--via`, `--token`), or
/// straight, with the key from bridge.yaml (`--config`).
struct RouteOptions: ParsableArguments {
    @Option(help: "A running bridge, e.g. http://127.0.0.1:8787.")
    var via: String?

    @Option(help: "Bridge token for --via (default: $APPWRITE_BRIDGE_TOKEN).")
    var token: String?

    @Option(name: .shortAndLong, help: "bridge.yaml whose key is used when --via is not given.")
    var config = "./bridge.yaml"

    var resolvedToken: String? { token ?? ProcessInfo.processInfo.environment["APPWRITE_BRIDGE_TOKEN"] }

    /// bridge.yaml, or exit 1 with the reason on standard error.
    func loadConfig() throws -> BridgeConfig {
        do {
            return try ConfigLoader(environment: ProcessInfo.processInfo.environment).load(path: config)
        } catch {
            printError("appwrite-bridge: invalid configuration: \(error.description)")
            throw ExitCode(1)
        }
    }
}
