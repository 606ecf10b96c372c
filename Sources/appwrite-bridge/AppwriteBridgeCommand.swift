import ArgumentParser
import BridgeCore
import Dispatch
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

struct AppwriteBridgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "appwrite-bridge",
        abstract: "Runs Appwrite Functions for home-automation rules through one local JSON API.",
        version: BridgeVersion.current,
        subcommands: [ServeCommand.self, CheckCommand.self, CallCommand.self, UploadCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}

@main
enum Main {
    /// Swift concurrency runs on NIO's event loops, so a request no longer hops between the
    /// loops (sockets) and the concurrency pool (handlers) on every await. That must be in place
    /// before the first task starts, hence a synchronous `main` that starts the parsed command
    /// itself; ArgumentParser still dispatches every subcommand and sets the exit status.
    /// `APPWRITE_BRIDGE_NIO_EXECUTOR=0` keeps Swift's default pool, to measure the difference.
    static func main() {
        if getenv("APPWRITE_BRIDGE_NIO_EXECUTOR").map({ String(cString: $0) }) != "0" {
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        Task {
            await AppwriteBridgeCommand.main()
            exit(0)
        }
        dispatchMain()
    }
}
