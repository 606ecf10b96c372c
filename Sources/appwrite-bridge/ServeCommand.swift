import ArgumentParser
import BridgeCore
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the daemon (the default command)."
    )

    @Option(name: .shortAndLong, help: "Path to bridge.yaml.")
    var config = "./bridge.yaml"

    @Option(help: "Lowest level logged: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let logger = makeLogger(level: logLevel)
        let bridgeConfig: BridgeConfig
        do {
            bridgeConfig = try ConfigLoader().load(path: config)
        } catch {
            printError("appwrite-bridge: invalid configuration: \(error.description)")
            throw ExitCode(1)
        }
        do {
            try await BridgeApplication.run(config: bridgeConfig, options: .init(configPath: config), logger: logger)
        } catch {
            printError("appwrite-bridge: \(error)")
            throw ExitCode(1)
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
