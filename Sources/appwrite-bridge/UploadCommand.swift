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

    @OptionGroup var route: RouteOptions

    func run() async throws {
        let fileName = name ?? URL(fileURLWithPath: file).lastPathComponent
        let result: OneShotUpload.Result
        if let via = route.via {
            result = await OneShotUpload.viaBridge(
                via,
                projectID: projectID,
                bucketID: bucketID,
                path: file,
                fileName: fileName,
                fileID: fileID,
                token: route.resolvedToken
            )
        } else {
            let bridgeConfig = try route.loadConfig()
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
