import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads bridge.yaml on SIGHUP. swift-service-lifecycle has no reload hook, so this service owns
/// the signal; only one handler per signal may exist in a process.
public struct ReloadOnSignalService: Service {
    let reloader: ConfigReloader

    public init(reloader: ConfigReloader) {
        self.reloader = reloader
    }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await untilGracefulShutdown { [reloader] in
            for await _ in signals { _ = await reloader.reload(trigger: "SIGHUP") }
        }
    }
}
