import ArgumentParser
import BridgeCore
import Foundation
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

    @Option(help: "Log line format: text or json. Under systemd, lines carry a syslog priority and no timestamp.")
    var logFormat: BridgeLogHandler.Format = .text

    @Option(help: "Seconds SIGTERM waits for running requests before cancelling them.")
    var shutdownGraceSeconds: Int = 30

    @Option(help: "Seconds between re-checks of healthy instances.")
    var recheckSeconds: Int = 300

    @Flag(help: "Contact no Appwrite instance for checks: instances show as unchecked and calls go through.")
    var offline = false

    /// EX_CONFIG (sysexits.h): the unit lists it in RestartPreventExitStatus=, so a broken
    /// bridge.yaml stops the service instead of restarting it every RestartSec= forever.
    static let configurationErrorExitCode: Int32 = 78

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let logger = BridgeLogHandler.bootstrap(format: logFormat, level: logLevel, environment: environment)
        let bridgeConfig: BridgeConfig
        do {
            bridgeConfig = try ConfigLoader(environment: environment).load(path: config)
        } catch {
            printError("appwrite-bridge: invalid configuration: \(error.description)")
            throw ExitCode(Self.configurationErrorExitCode)
        }
        let options = BridgeApplication.Options(
            configPath: config,
            recheckInterval: .seconds(max(recheckSeconds, 1)),
            shutdownGracePeriod: .seconds(max(shutdownGraceSeconds, 0)),
            environment: environment,
            offline: offline
        )
        do {
            try await BridgeApplication.run(config: bridgeConfig, options: options, logger: logger)
        } catch {
            // One line, straight to standard error at error priority whatever --log-level says.
            printError("appwrite-bridge stopped: \(error)")
            throw ExitCode(1)
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension BridgeLogHandler.Format: ExpressibleByArgument {}
