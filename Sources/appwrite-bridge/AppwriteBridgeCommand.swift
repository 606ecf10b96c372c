import ArgumentParser
import BridgeCore

@main
struct AppwriteBridgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "appwrite-bridge",
        abstract: "Runs Appwrite Functions for home-automation rules through one local JSON API.",
        version: BridgeVersion.current,
        subcommands: [ServeCommand.self, CheckCommand.self, CallCommand.self, UploadCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
