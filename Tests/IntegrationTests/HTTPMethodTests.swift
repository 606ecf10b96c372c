import AppwriteSimulator
import BridgeCore
import Foundation
import Testing

/// HEAD answers like GET without the body; a known path with a method it does not serve is 405
/// with `Allow`; an unknown path stays 404.
@Suite("HTTP methods over real sockets")
struct HTTPMethodTests {
    func withBridge(_ body: (TestServers) async throws -> Void) async throws {
        try await TestServers.run(
            simulators: [Fixtures.homeSimulator()],
            files: Fixtures.files,
            bridgeYAML: { urls in
                """
                listen: 127.0.0.1:0
                auth:
                  tokens:
                    - name: test
                      token_file: token
                instances:
                  - project_id: home1234
                    url: \(urls[0])
                    api_key_file: home.key
                """
            },
            body
        )
    }

    /// The raw head of one response: status line and headers (lower-cased names).
    struct Head {
        var status: Int
        var headers: [String: String]
    }

    static func parseHead(_ text: Substring) -> Head {
        let lines = text.split(separator: "\r\n")
        let status = lines.first.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Head(status: status, headers: headers)
    }

    /// Sends `method path`, then a pipelined GET /healthz on the same connection. A HEAD answer
    /// with any body would push the second status line away from the end of the first head.
    static func exchange(_ method: String, _ path: String, port: Int, token: String? = Fixtures.bridgeToken) async throws
        -> (head: Head, body: String, next: String)
    {
        let socket = try await RawSocket.connected(port: port)
        let auth = token.map { "Authorization: Bearer \($0)\r\n" } ?? ""
        try socket.send(
            "\(method) \(path) HTTP/1.1\r\nHost: bridge\r\n\(auth)\r\nGET /healthz HTTP/1.1\r\nHost: bridge\r\nConnection: close\r\n\r\n"
        )
        let text = await socket.readUntilClosed(timeout: .seconds(10)).bytes.text
        guard let end = text.range(of: "\r\n\r\n") else { return (Head(status: 0, headers: [:]), "", text) }
        let head = parseHead(text[..<end.lowerBound])
        let rest = text[end.upperBound...]
        guard let next = rest.range(of: "HTTP/1.1 ") else { return (head, String(rest), "") }
        return (head, String(rest[..<next.lowerBound]), String(rest[next.lowerBound...]))
    }

    @Test func headAnswersLikeGetWithoutABody() async throws {
        try await withBridge { servers in
            _ = try await servers.waitForChecks(token: Fixtures.bridgeToken)
            for path in ["/healthz", "/readyz", "/metrics", "/api/", "/api/services", "/api/instances", "/api/outbox"] {
                let get = try await Self.exchange("GET", path, port: servers.bridgePort)
                let head = try await Self.exchange("HEAD", path, port: servers.bridgePort)
                #expect(head.head.status == get.head.status, "HEAD \(path)")
                #expect(head.head.headers["content-type"] == get.head.headers["content-type"], "HEAD \(path)")
                if path != "/metrics" {  // the metrics text changes between two calls
                    #expect(head.head.headers["content-length"] == get.head.headers["content-length"], "HEAD \(path)")
                }
                #expect(head.body.isEmpty, "HEAD \(path) sent a body: \(head.body.prefix(80))")
                #expect(head.next.hasPrefix("HTTP/1.1 200"), "HEAD \(path) broke the connection")
                #expect(!get.body.isEmpty)
            }
            // The event stream: its head, and no stream held open behind it.
            let events = try await Self.exchange("HEAD", "/api/events", port: servers.bridgePort)
            #expect(events.head.status == 200)
            #expect(events.head.headers["content-type"] == "text/event-stream")
            #expect(events.body.isEmpty)
            #expect(events.next.hasPrefix("HTTP/1.1 200"))
            // The token still applies to HEAD.
            let unauthorized = try await Self.exchange("HEAD", "/api/services", port: servers.bridgePort, token: nil)
            #expect(unauthorized.head.status == 401)
            #expect(unauthorized.body.isEmpty)
        }
    }

    @Test func aKnownPathWithAWrongMethodIs405WithAllow() async throws {
        try await withBridge { servers in
            let cases: [(method: String, path: String, allow: String)] = [
                ("POST", "/healthz", "GET, HEAD"),
                ("DELETE", "/metrics", "GET, HEAD"),
                ("PUT", "/api/services", "GET, HEAD"),
                ("GET", "/api/reload", "POST"),
                ("GET", "/api/services/appwrite/execute_function_home1234", "POST"),
                ("PATCH", "/api/outbox/12", "DELETE"),
                ("HEAD", "/api/reload", "POST"),
            ]
            for (method, path, allow) in cases {
                let answer = try await Self.exchange(method, path, port: servers.bridgePort)
                #expect(answer.head.status == 405, "\(method) \(path)")
                #expect(answer.head.headers["allow"] == allow, "\(method) \(path)")
                if method != "HEAD" {
                    let error = (try? JSONParser.parse(answer.body))?["error"]
                    #expect(error?["code"] == "method_not_allowed", "\(method) \(path): \(answer.body)")
                }
            }
            // The /v1 gateway is Appwrite's surface, not the bridge's: a wrong method there is answered
            // as Appwrite answers it (its conformance suite checks that), never with the bridge's 405.
            let gateway = try await Self.exchange("DELETE", "/v1/health", port: servers.bridgePort)
            #expect(gateway.head.status != 405 && gateway.head.headers["allow"] == nil)
            let unknown = try await Self.exchange("GET", "/nowhere", port: servers.bridgePort)
            #expect(unknown.head.status == 404)
            #expect((try? JSONParser.parse(unknown.body))?["error"]?["code"] == "not_found")
            let unknownPost = try await Self.exchange("POST", "/api/nowhere", port: servers.bridgePort)
            #expect(unknownPost.head.status == 404)
        }
    }
}
