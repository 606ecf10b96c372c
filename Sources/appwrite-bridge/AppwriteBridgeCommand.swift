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
        subcommands: [ServeCommand.self, CheckCommand.self, CallCommand.self, UploadCommand.self, RealtimeSessionCommand.self],
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
        keepLargeBuffersInTheHeap()
        if getenv("APPWRITE_BRIDGE_NIO_EXECUTOR").map({ String(cString: $0) }) != "0" {
            runConcurrencyOnNIO()
        }
        Task {
            await AppwriteBridgeCommand.main()
            exit(0)
        }
        dispatchMain()
    }

    /// glibc gives every buffer of 128 KiB or more its own mmap and unmaps it on free, so each
    /// large request body, parse buffer and answer is page-faulted in anew: a 512 KiB body cost
    /// 20-35 % more CPU per byte than a 128 KiB one. Up to 4 MiB now comes from the heap, which
    /// keeps up to 8 MiB free at its top instead of returning it at once.
    static func keepLargeBuffersInTheHeap() {
        #if canImport(Glibc)
            // malloc.h is not part of the Glibc module; mallopt(int, int) is looked up instead.
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
            let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
            let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3  // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
            _ = mallopt(mmapThreshold, 4 << 20)
            _ = mallopt(trimThreshold, 8 << 20)
        #endif
    }
}
