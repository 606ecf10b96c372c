import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One instance's Realtime socket for as long as its settings stay the same: connect, read,
/// and after every loss wait (`RealtimeBackoff`) and connect again, catching up on the gap.
struct RealtimeConnection: Sendable {
    let target: RealtimeTarget
    let client: AppwriteClient
    let hub: BridgeEventHub
    let board: RealtimeStatusBoard
    let metrics: BridgeMetrics?
    let logger: Logger

    var instance: InstanceConfig { target.instance }
    var settings: RealtimeSettings { target.settings }
    var projectID: String { instance.projectID }

    func run() async {
        let stored = RealtimePositionFile.load(stateDirectory: target.stateDirectory, projectID: projectID)
        let ledger = RealtimeLedger(subscriptions: settings.subscriptions, stored: stored?.subscriptions ?? [:])
        let saver = RealtimePositionSaver(ledger: ledger, stateDirectory: target.stateDirectory, projectID: projectID, logger: logger)
        let caller: AppwriteClient.Caller =
            if case .session(let secret, _) = settings.credentials { .session(secret) } else { .guest }
        let feed = RealtimeFeed(
            instance: instance,
            settings: settings,
            ledger: ledger,
            hub: hub,
            board: board,
            metrics: metrics,
            catchUp: RealtimeCatchUp(client: client, instance: instance, caller: caller),
            saver: saver,
            logger: logger,
            counters: RealtimeCounters(metrics: metrics, projectID: projectID, subscriptions: settings.subscriptions)
        )
        await withDiscardingTaskGroup { group in
            group.addTask { await saver.run() }
            await connectAgainAndAgain(feed: feed, saver: saver, gapStart: RealtimePositionSaver.lastSeen(in: stored))
            group.cancelAll()
        }
        saver.save()
    }

    private func connectAgainAndAgain(feed: RealtimeFeed, saver: RealtimePositionSaver, gapStart initialGapStart: Date?) async {
        guard let endpoint = target.endpoint else {
            board.update(projectID) { $0 = RealtimeStatus(state: .misconfigured, reason: "the instance's url cannot be turned into a Realtime address") }
            return
        }
        var backoff = RealtimeBackoff(initial: settings.initialBackoff, maximum: settings.maximumBackoff)
        var limiter = ConnectLimiter()
        var gapStart = initialGapStart
        var everConnected = false
        while !Task.isCancelled {
            if let allowed = limiter.nextAllowed() {
                let wait = allowed - ContinuousClock.now
                board.update(projectID) { status in
                    status.state = .backingOff
                    status.reason = "waiting: the bridge makes at most \(limiter.limit) Realtime connects a minute"
                    status.retryAt = Date().addingTimeInterval(wait.timeInterval)
                }
            }
            do { try await limiter.acquire() } catch { return }
            board.update(projectID) { status in
                status.state = .connecting
                status.retryAt = nil
            }
            let session = RealtimeSession(feed: feed, gapStart: gapStart)
            let failure = await attempt(endpoint, session: session, saver: saver)
            if Task.isCancelled {
                saver.disconnected(lastHeard: Date())
                return
            }
            let connectedAt = session.connectedAt
            if let connectedAt {
                gapStart = session.lastHeard
                saver.disconnected(lastHeard: gapStart!)
                if everConnected { metrics?.recordRealtimeReconnect(projectID: projectID) }
                everConnected = true
                if Date().timeIntervalSince(connectedAt) >= RealtimeBackoff.stableAfter.timeInterval { backoff.reset() }
            }
            let delay = backoff.delay(after: failure)
            let retryAt = Date().addingTimeInterval(delay.timeInterval)
            board.update(projectID) { status in
                switch failure.kind {
                case .unauthorized: status.state = .unauthorized
                case .misconfigured: status.state = .misconfigured
                case .lost, .rateLimited: status.state = .backingOff
                }
                status.reason = failure.reason
                status.retryAt = retryAt
                status.connectedSince = nil
                if connectedAt != nil { status.reconnects += 1 }
            }
            log(failure, retryIn: delay)
            do { try await LoopSleep.sleep(for: delay) } catch { return }
        }
    }

    /// One connection, from TCP connect to its end; returns why it ended.
    private func attempt(_ endpoint: RealtimeEndpoint, session: RealtimeSession, saver: RealtimePositionSaver) async -> RealtimeFailure {
        var headers = HTTPHeaders()
        headers.add(name: "X-Appwrite-Project", value: projectID)
        headers.add(name: "User-Agent", value: "appwrite-bridge/\(BridgeVersion.current)")
        if case .session(let secret, _) = settings.credentials { headers.add(name: "X-Appwrite-Session", value: secret.value) }
        let board = self.board
        let projectID = self.projectID
        let logger = self.logger
        let subscriptionCount = settings.subscriptions.count
        let userID = settings.credentials.userID
        do {
            let socket = RealtimeSocket(
                pathAndQuery: endpoint.pathAndQuery,
                hostHeader: endpoint.hostHeader,
                serverHostname: endpoint.useTLS && !endpoint.host.isIPAddress ? endpoint.host : nil,
                headers: headers,
                sslContext: endpoint.useTLS ? try NIOSSLContext(configuration: target.instance.tls.realtimeConfiguration) : nil,
                maximumFrameSize: RealtimeSession.maximumMessageBytes,
                session: session,
                onConnected: {
                    saver.connected()
                    board.update(projectID) { status in
                        status.state = .connected
                        status.reason = nil
                        status.retryAt = nil
                        status.connectedSince = Date()
                    }
                    logger.notice(
                        "Realtime connected for \(projectID) as \(userID.map { "user \($0)" } ?? "a guest"), \(subscriptionCount) subscription(s)",
                        metadata: ["project_id": "\(projectID)"]
                    )
                }
            )
            let connection = ClientConnection(
                socket,
                address: .hostname(endpoint.host, port: endpoint.port),
                eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                logger: logger
            )
            try await connection.run()
            return session.failure ?? .lost("Appwrite closed the Realtime connection")
        } catch {
            if let failure = session.failure { return failure }
            if error is RealtimeSocketError {
                return .lost("the server at \(endpoint.host):\(endpoint.port) did not accept the WebSocket upgrade on /v1/realtime")
            }
            return .lost("cannot connect to \(endpoint.host):\(endpoint.port): \(AppwriteClient.describe(error))")
        }
    }

    private func log(_ failure: RealtimeFailure, retryIn delay: Duration) {
        let metadata: Logger.Metadata = ["project_id": "\(projectID)", "retry_in": "\(delay)"]
        switch failure.kind {
        case .unauthorized, .misconfigured:
            logger.error("Realtime for \(projectID) cannot work as configured: \(failure.reason); next attempt in \(delay)", metadata: metadata)
        case .lost, .rateLimited:
            logger.warning("Realtime connection for \(projectID) lost: \(failure.reason); reconnecting in \(delay)", metadata: metadata)
        }
    }
}

extension UpstreamTLS {
    /// The Realtime socket's TLS: the system's trust store unless `ca_file` or `tls_insecure` says
    /// otherwise, as for the REST calls.
    var realtimeConfiguration: TLSConfiguration {
        clientConfiguration ?? TLSConfiguration.makeClientConfiguration()
    }
}

extension String {
    fileprivate var isIPAddress: Bool { (try? SocketAddress(ipAddress: self, port: 0)) != nil }
}
