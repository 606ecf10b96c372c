import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A test control off Appwrite's paths: make the simulator act on a request and then lose its
/// answer, as a slow link, a proxy or a dropped connection would, per route and per attempt.
///
/// `POST /_simulator/faults` with
/// `{"method": "POST", "path": "/v1/storage/buckets/b/files", "attempts": [1, 3], "action": "drop"}`
/// adds a rule; `path` matches the request path without its query (a trailing `*` matches a
/// prefix); `attempts` are 1-based among the requests that match the rule (`every: n` instead
/// hits every n-th one); `action` is
/// - `hold`: act, then answer only after `seconds` (default 30), past the caller's timeout;
/// - `drop`: act, then close the connection without a complete answer;
///   (both pass a refusal through unchanged: nothing was stored, so no answer is lost)
/// - `fail`: do not act, answer `status` (default 503) in Appwrite's error envelope.
///
/// `GET /_simulator/faults` lists the rules with how many requests each matched and hit;
/// `DELETE /_simulator/faults` removes them all.
public actor AnswerFaults {
    public struct Rule: Codable, Sendable {
        public var method: String?
        public var path: String
        public var attempts: [Int]?
        public var every: Int?
        public var action: Action
        public var seconds: Double?
        public var status: Int?
        public var matched: Int?
        public var hit: Int?
    }

    public enum Action: String, Codable, Sendable {
        case hold, drop, fail
    }

    private var rules: [Rule] = []

    public init() {}

    public func add(_ rule: Rule) {
        var rule = rule
        rule.matched = 0
        rule.hit = 0
        rules.append(rule)
    }

    public func all() -> [Rule] { rules }

    public func reset() { rules = [] }

    /// Counts the request against every rule it matches; the first rule it hits decides.
    func fault(method: String, path: String) -> Rule? {
        var decided: Rule?
        for index in rules.indices where rules[index].matches(method: method, path: path) {
            let attempt = (rules[index].matched ?? 0) + 1
            rules[index].matched = attempt
            let hits = rules[index].attempts?.contains(attempt) ?? rules[index].every.map { $0 > 0 && attempt % $0 == 0 } ?? true
            if hits && decided == nil {
                rules[index].hit = (rules[index].hit ?? 0) + 1
                decided = rules[index]
            }
        }
        return decided
    }

    /// Adds the middleware and the control routes.
    public nonisolated func install(on router: Router<BasicRequestContext>) {
        router.add(middleware: AnswerFaultMiddleware(faults: self))
        router.post("/_simulator/faults") { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 64 * 1024)
            let rule = try JSONDecoder().decode(Rule.self, from: Data(body.readableBytesView))
            await self.add(rule)
            return Response(status: .created)
        }
        router.get("/_simulator/faults") { _, _ in try encode(await self.all(), status: .ok) }
        router.delete("/_simulator/faults") { _, _ in
            await self.reset()
            return Response(status: .noContent)
        }
    }
}

extension AnswerFaults.Rule {
    func matches(method: String, path: String) -> Bool {
        if let expected = self.method, expected.uppercased() != method { return false }
        if self.path.hasSuffix("*") { return path.hasPrefix(self.path.dropLast()) }
        return path == self.path
    }
}

/// Applies the rules around the route: `fail` instead of it, `hold` and `drop` after it acted.
struct AnswerFaultMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let faults: AnswerFaults

    struct LostAnswer: Error {}

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !request.uri.path.hasPrefix("/_simulator"),
            let rule = await faults.fault(method: request.method.rawValue, path: request.uri.path)
        else { return try await next(request, context) }
        switch rule.action {
        case .fail:
            let status = rule.status ?? 503
            let body: [String: any Sendable] = [
                "message": "The simulator was told to fail this request.", "code": status,
                "type": status == 503 ? "general_service_disabled" : "general_unknown", "version": "1.9.6",
            ]
            return json(body, status: .init(code: status))
        case .hold:
            let response = try await next(request, context)
            // A refusal stored nothing: there is no answer worth losing.
            guard (200..<300).contains(response.status.code) else { return response }
            try? await Task.sleep(for: .seconds(rule.seconds ?? 30))
            return response
        case .drop:
            let response = try await next(request, context)
            guard (200..<300).contains(response.status.code) else { return response }
            // The head goes out, then the connection closes before the body: no whole answer.
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: ResponseBody { _ in throw LostAnswer() }
            )
        }
    }
}
