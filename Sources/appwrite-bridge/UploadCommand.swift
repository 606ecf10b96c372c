import ArgumentParser
import BridgeCore
import Foundation

struct UploadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Store one file in an Appwrite Storage bucket, from a shell or cron.",
        discussion: """
            Through a running bridge with --via (POST /api/files/...), or straight to Appwrite with
            the key from --config. Files of 5 MiB or more go up in Appwrite's 5 MiB chunks. Prints
            the File as JSON. Exit status: 0 stored, 1 failed, 3 queued in the bridge's outbox.
            """
    )

    @Argument(help: "The instance's project ID.")
    var projectID: String

    @Argument(help: "The bucket ID.")
    var bucketID: String

    @Argument(help: "The file to upload.")
    var file: String

    @Option(help: "File name in the bucket (default: the file's own name).")
    var name: String?

    @Option(help: "File ID (default: unique()).")
    var fileID: String?

    @Option(help: "A running bridge, e.g. http://127.0.0.1:8787.")
    var via: String?

    @Option(help: "Bridge token for --via (default: $APPWRITE_BRIDGE_TOKEN).")
    var token: String?

    @Option(name: .shortAndLong, help: "bridge.yaml whose key is used when --via is not given.")
    var config = "./bridge.yaml"

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let fileName = name ?? URL(fileURLWithPath: file).lastPathComponent
        let result: OneShotUpload.Result
        if let via {
            result = await OneShotUpload.viaBridge(
                via,
                projectID: projectID,
                bucketID: bucketID,
                path: file,
                fileName: fileName,
                fileID: fileID,
                token: token ?? environment["APPWRITE_BRIDGE_TOKEN"]
            )
        } else {
            let bridgeConfig: BridgeConfig
            do {
                bridgeConfig = try ConfigLoader(environment: environment).load(path: config)
            } catch {
                printError("appwrite-bridge: invalid configuration: \(error.description)")
                throw ExitCode(1)
            }
            result = await OneShotUpload.direct(
                config: bridgeConfig,
                projectID: projectID,
                bucketID: bucketID,
                path: file,
                fileName: fileName,
                fileID: fileID
            )
        }
        if !result.output.isEmpty { print(result.output) }
        if let message = result.message { printError("appwrite-bridge upload: \(message)") }
        if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }
}
