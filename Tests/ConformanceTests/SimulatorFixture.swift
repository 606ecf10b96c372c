import AppwriteSimulator
import AsyncHTTPClient
import BridgeCore
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import Testing

/// The simulator the Realtime and Databases cases run against: project `rt1` with users, a
/// database `home` whose collections cover each permission shape, and a bucket readable by users.
enum SimulatorFixture {
    static let key = "standard_realtime_full_5e1b"
    static let sessionsOnlyKey = "standard_realtime_sessions_2c7d"

    static func config(realtime: SimulatorConfig.RealtimeSettings = .init()) -> SimulatorConfig {
        var project = SimulatorConfig.Project(
            id: "rt1",
            keys: [
                .init(
                    secret: key,
                    scopes: ["documents.read", "documents.write", "users.write", "files.read", "files.write", "executions.write"]
                ),
                .init(secret: sessionsOnlyKey, scopes: ["sessions.write"]),
            ],
            functions: [.init(id: "echo"), .init(id: "mine", execute: ["users"])]
        )
        project.users = [
            .init(id: "alice", name: "Alice", email: "alice@example.com", emailVerification: true),
            .init(id: "bob", name: "Bob", labels: ["home"]),
        ]
        project.databases = [
            .init(
                id: "home",
                collections: [
                    .init(id: "lights", permissions: ["read(\"users\")", "create(\"any\")", "update(\"any\")", "delete(\"any\")"]),
                    .init(id: "public", permissions: ["read(\"any\")"]),
                    .init(id: "labelled", permissions: ["read(\"label:home\")"]),
                    .init(id: "secure", permissions: ["create(\"any\")"], documentSecurity: true),
                    .init(id: "closed"),
                    .init(
                        id: "typed",
                        attributes: [.init(key: "name", type: "string", required: true), .init(key: "level", type: "integer")]
                    ),
                    .init(id: "off", enabled: false),
                ]
            )
        ]
        project.buckets = [.init(id: "pics", permissions: ["read(\"users\")"])]
        var config = SimulatorConfig(projects: [project])
        config.realtime = realtime
        return config
    }

    static func withSimulator(
        _ config: SimulatorConfig = config(),
        _ body: (_ port: Int, _ state: SimulatorState) async throws -> Void
    ) async throws {
        let state = SimulatorState(config: config)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = buildSimulatorApplication(state: state, logger: Conformance.quiet) { continuation.yield($0) }
        try await Conformance.runUntilDone(app) {
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            try await body(port, state)
        }
    }

    static func rest(
        _ port: Int,
        _ method: String,
        _ path: String,
        key: String? = key,
        body: String? = nil,
        project: String? = "rt1"
    ) async throws -> Exchange {
        try await Exchange.send(method, "http://127.0.0.1:\(port)/v1" + path, project: project, key: key, body: body)
    }

    /// A call made as a user: its session in `X-Appwrite-Session`, no key.
    static func asUser(_ port: Int, _ method: String, _ path: String, session: String, body: String? = nil) async throws -> Exchange {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1" + path)
        request.method = .init(rawValue: method)
        request.headers.add(name: "X-Appwrite-Project", value: "rt1")
        request.headers.add(name: "X-Appwrite-Session", value: session)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        var buffer = try await response.body.collect(upTo: 1 << 20)
        return Exchange(status: Int(response.status.code), retryAfter: nil, body: buffer.readBytes(length: buffer.readableBytes) ?? [])
    }

    /// A fresh session's secret for `user`.
    static func session(_ port: Int, _ user: String) async throws -> String {
        let reply = try await rest(port, "POST", "/users/\(user)/sessions", body: "{}")
        return try #require(reply.json["secret"]?.stringValue, "\(reply.text)")
    }

    static func headers(_ pairs: [String: String]) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in pairs { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        return fields
    }

    /// `queries[]=` for each Query JSON, percent-encoded.
    static func queries(_ items: [String]) -> String {
        items.map { "queries%5B%5D=" + encode($0) }.joined(separator: "&")
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    static let documents = "/databases/home/collections"
}

extension JSONValue {
    var strings: [String] { arrayValue?.compactMap(\.stringValue) ?? [] }
    var code: Int? {
        guard case .number(let text)? = self["data"]?["code"] else { return nil }
        return Int(text)
    }
}
