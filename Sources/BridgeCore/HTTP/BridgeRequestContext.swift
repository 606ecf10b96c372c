import Hummingbird
import NIOCore

/// Hummingbird's request context plus the bridge token the request authenticated with.
public struct BridgeRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// nil when bridge.yaml has no tokens (loopback only) and the API is open.
    public var token: AccessToken?
    /// The connection's event loop.
    let eventLoop: any EventLoop

    public init(source: Source) {
        coreContext = .init(source: source)
        token = nil
        eventLoop = source.channel.eventLoop
    }

    func mayCall(instance projectID: String) -> Bool { token?.instances.allows(projectID) ?? true }

    /// 403 unless the token's scope covers the instance.
    func requireAccess(to projectID: String) throws(BridgeError) {
        try ExecutionPipeline.checkScope(of: token, for: projectID)
    }
}
