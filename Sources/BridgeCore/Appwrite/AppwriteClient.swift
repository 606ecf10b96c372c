import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Talks to Appwrite instances over one shared, pooled `HTTPClient`.
///
/// Redirects are never followed: the API key travels in a header and must not be handed to
/// whatever host a redirect names.
public struct AppwriteClient: Sendable {
    /// Appwrite's own request limit is 12 MiB; a synchronous reply carries the function's output.
    static let maximumResponseBytes = 32 * 1024 * 1024
    /// A function ID Appwrite refuses as a parameter, checked only after the scope: the probe
    /// learns whether the key may execute without ever running anything.
    public static let scopeProbeFunctionID = "_bridge_scope_probe"

    let httpClient: HTTPClient
    let userAgent: String

    public init(httpClient: HTTPClient, userAgent: String = "appwrite-bridge/\(BridgeVersion.current)") {
        self.httpClient = httpClient
        self.userAgent = userAgent
    }

    public static func makeHTTPClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.timeout = .init(connect: .seconds(10))
        configuration.connectionPool = .init(idleTimeout: .seconds(60))
        // A refused connection should fail the call now, not after the connect timeout: the
        // caller is an automation waiting for an answer.
        configuration.connectionPool.retryConnectionEstablishment = false
        // The bridge exports no traces; without this every call opens and tags a span on the
        // global no-op tracer (~2 % of a call's CPU in the benchmark's profile).
        configuration.tracing.tracer = nil
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func createExecution(_ request: CreateExecutionRequest, on instance: InstanceConfig) async throws(AppwriteClientError)
        -> AppwriteResponse
    {
        try await send(
            .POST,
            "/functions/\(request.functionID)/executions",
            body: request.jsonBody.serializedBytes,
            to: instance
        )
    }

    public func health(of instance: InstanceConfig) async throws(AppwriteClientError) -> AppwriteResponse {
        try await send(.GET, "/health", body: nil, to: instance)
    }

    public func probeExecutionScope(of instance: InstanceConfig) async throws(AppwriteClientError) -> AppwriteResponse {
        try await send(
            .POST,
            "/functions/\(Self.scopeProbeFunctionID)/executions",
            body: Array("{}".utf8),
            to: instance
        )
    }

    public func createMessage(_ request: CreateMessageRequest, on instance: InstanceConfig) async throws(AppwriteClientError)
        -> AppwriteResponse
    {
        try await send(.POST, "/messaging/messages/\(request.kind.rawValue)", body: request.jsonBody.serializedBytes, to: instance)
    }

    /// The same trick for messages.write: an invalid message ID is refused after the scope check.
    public func probeMessagingScope(of instance: InstanceConfig) async throws(AppwriteClientError) -> AppwriteResponse {
        try await send(
            .POST,
            "/messaging/messages/email",
            body: Array(#"{"messageId":"\#(Self.scopeProbeFunctionID)"}"#.utf8),
            to: instance
        )
    }

    public func getExecution(functionID: String, executionID: String, on instance: InstanceConfig) async throws(AppwriteClientError)
        -> AppwriteResponse
    {
        try await send(.GET, "/functions/\(functionID)/executions/\(executionID)", body: nil, to: instance)
    }

    /// The same trick for executions.read, which waiting, callbacks and execution updates need.
    public func probeReadScope(of instance: InstanceConfig) async throws(AppwriteClientError) -> AppwriteResponse {
        try await send(
            .GET,
            "/functions/\(Self.scopeProbeFunctionID)/executions/\(Self.scopeProbeFunctionID)",
            body: nil,
            to: instance
        )
    }

    /// The gateway: a caller's Appwrite request, sent on as the SDK wrote it (its Content-Type,
    /// Accept and response format: Appwrite parses bodies by exact media type), with the
    /// instance's key only when the caller may use it. Redirects come back as they are.
    func forward(_ forwarded: ForwardedRequest, to instance: InstanceConfig) async throws(AppwriteClientError) -> AppwriteResponse {
        var request = HTTPClientRequest(url: instance.baseURL + forwarded.pathAndQuery)
        request.method = forwarded.method
        request.tlsConfiguration = instance.tls.clientConfiguration
        if forwarded.sendsProject { request.headers.add(name: "X-Appwrite-Project", value: instance.projectID) }
        if forwarded.sendsKey { request.headers.add(name: "X-Appwrite-Key", value: instance.apiKey.value) }
        request.headers.add(name: "User-Agent", value: userAgent)
        for (name, value) in forwarded.headers { request.headers.add(name: name, value: value) }
        if let body = forwarded.body { request.body = .bytes(ByteBuffer(bytes: body)) }
        return try await exchange(request, with: instance, refusingRedirects: false)
    }

    /// Who a request is made as: the instance's API key, or a user's session (Realtime's
    /// catch-up lists exactly what the Realtime user may read), or nobody.
    enum Caller: Sendable {
        case key
        case session(Secret)
        case guest
    }

    func send(
        _ method: HTTPMethod,
        _ path: String,
        body: [UInt8]?,
        to instance: InstanceConfig,
        as caller: Caller = .key,
        extraHeaders: [(String, String)] = []
    ) async throws(AppwriteClientError) -> AppwriteResponse {
        var request = HTTPClientRequest(url: instance.baseURL + path)
        request.method = method
        request.tlsConfiguration = instance.tls.clientConfiguration
        request.headers.add(name: "X-Appwrite-Project", value: instance.projectID)
        switch caller {
        case .key: request.headers.add(name: "X-Appwrite-Key", value: instance.apiKey.value)
        case .session(let session): request.headers.add(name: "X-Appwrite-Session", value: session.value)
        case .guest: break
        }
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: userAgent)
        for (name, value) in extraHeaders { request.headers.add(name: name, value: value) }
        if let body {
            if !extraHeaders.contains(where: { $0.0.lowercased() == "content-type" }) {
                request.headers.add(name: "Content-Type", value: "application/json")
            }
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        return try await exchange(request, with: instance, refusingRedirects: true)
    }

    /// Sends, collects the answer (bounded) and decodes it once into an `AppwriteResponse`.
    private func exchange(_ request: HTTPClientRequest, with instance: InstanceConfig, refusingRedirects: Bool)
        async throws(AppwriteClientError) -> AppwriteResponse
    {
        let timeout = TimeAmount.milliseconds(Int64(instance.timeoutSeconds * 1000))
        do {
            let response = try await httpClient.execute(request, timeout: timeout)
            let status = Int(response.status.code)
            if refusingRedirects, (300..<400).contains(status) {
                let location = response.headers.first(name: "Location") ?? "nowhere"
                throw AppwriteClientError.invalidResponse(
                    "Appwrite answered a redirect (HTTP \(status) to \(location)); set url to the final address"
                )
            }
            var buffer = try await response.body.collect(upTo: Self.maximumResponseBytes)
            return AppwriteResponse(status: status, body: buffer.readBytes(length: buffer.readableBytes) ?? [])
        } catch let error as AppwriteClientError {
            throw error
        } catch let error as HTTPClientError
            where error == .deadlineExceeded || error == .readTimeout || error == .writeTimeout
        {
            throw .timeout(seconds: instance.timeoutSeconds)
        } catch let error as NIOTooManyBytesError {
            throw .invalidResponse("Appwrite's answer is larger than \(Self.maximumResponseBytes) bytes (\(error))")
        } catch {
            if Self.closedAfterRequest(error) { throw .answerLost(Self.describe(error)) }
            throw .unreachable(Self.describe(error))
        }
    }

    /// Whether the request may have gone out before the error: anything but a connection that
    /// was never made (refused, unroutable, DNS, connect timeout, TLS handshake) or the client
    /// refusing the request itself. An error not known here counts as "may have": the outbox then
    /// looks before it resends instead of risking a duplicate.
    static func closedAfterRequest(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError { return error == .remoteConnectionClosed }
        if error is NIOConnectionError || error is SocketAddressError { return false }
        if let error = error as? IOError {
            return ![ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, ENETDOWN, EHOSTDOWN, EADDRNOTAVAIL, ETIMEDOUT].contains(error.errnoCode)
        }
        if let error = error as? ChannelError {
            if case .connectTimeout = error { return false }
            return true
        }
        if let error = error as? NIOSSLError, case .uncleanShutdown = error { return true }
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError { return false }
        return true
    }

    /// Error texts from the networking stack name hosts and errno, never headers, so they are
    /// safe to log and return.
    public static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError, error == .connectTimeout {
            return "connect timeout"
        }
        if let error = error as? HTTPClientError, error == .remoteConnectionClosed {
            return "connection closed by the other side"
        }
        if let error = error as? IOError {
            return String(cString: strerror(error.errnoCode)).lowercased()
        }
        return String(describing: error)
    }
}

extension UpstreamTLS {
    /// nil keeps the client's default (system trust store, full verification). A distinct
    /// configuration also gives the instance its own connection pool.
    var clientConfiguration: TLSConfiguration? {
        guard caFile != nil || insecure else { return nil }
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile { configuration.trustRoots = .file(caFile) }
        if insecure { configuration.certificateVerification = .none }
        return configuration
    }
}
