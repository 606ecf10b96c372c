import AppwriteSimulator
import ArgumentParser
import Foundation
import Hummingbird

@main
struct AppwriteSimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "appwrite-simulator",
        abstract:
            "A faithful stand-in for Appwrite's health, executions, messaging, storage, databases and Realtime APIs, for tests and demos."
    )

    @Option(help: "Projects, keys, functions, messaging targets, buckets, databases and users (YAML or JSON).")
    var config: String

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 8080

    func run() async throws {
        let simulatorConfig: SimulatorConfig
        do {
            simulatorConfig = try SimulatorConfig.load(path: config)
        } catch {
            FileHandle.standardError.write(Data("appwrite-simulator: cannot load \(config): \(error)\n".utf8))
            throw ExitCode(1)
        }
        let host = host
        let app = buildSimulatorApplication(state: SimulatorState(config: simulatorConfig), host: host, port: port) { port in
            // Written unbuffered so a script waiting for this line sees it at once.
            FileHandle.standardOutput.write(Data("Appwrite simulator listening on http://\(host):\(port)/v1\n".utf8))
        }
        try await app.runService()
    }
}
