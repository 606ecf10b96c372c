import CConcurrencyHook
import NIOCore
import NIOPosix

extension Main {
    private typealias EnqueueGlobalHook = @convention(thin) (UnownedJob, @convention(thin) (UnownedJob) -> Void) -> Void

    /// Puts Swift concurrency on NIO's singleton event loops. NIO's own switch finds the runtime's
    /// hook with dlsym, which fails in a binary with the Swift runtime linked in (`--static-swift-
    /// stdlib`, the Debian package: the runtime's symbols are not exported there); then every task
    /// ran on Dispatch's pool instead, whose monitor woke the idle daemon once a second. So when
    /// NIO's switch fails, the hook is set here the same way, reached through the linker.
    static func runConcurrencyOnNIO() {
        if NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() { return }
        let hook = appwrite_bridge_enqueue_global_hook()
        // Someone else's hook: leave it.
        guard hook.pointee == nil else { return }
        // As NIO's: a loop of the singleton group, the current one when already on one of them.
        let enqueueOnNIO: EnqueueGlobalHook = { job, _ in MultiThreadedEventLoopGroup.singleton.any().executor.enqueue(job) }
        // Before any task exists (the first line of `main`): nothing reads the hook meanwhile.
        hook.pointee = unsafeBitCast(enqueueOnNIO, to: UnsafeMutableRawPointer.self)
    }
}
