import HTTPTypes
import Hummingbird

extension Router {
    /// Every method a route might be called with; CONNECT has no path to match.
    static var answeredMethods: [HTTPRequest.Method] { [.get, .head, .post, .put, .patch, .delete, .options, .trace] }

    /// For every registered path, the methods it does not serve answer 405 with `Allow` and the
    /// JSON error body, instead of the router's 404 (which stays for unknown paths). Call once,
    /// after every route is registered; HEAD on a GET route is the router's own
    /// `.autoGenerateHeadEndpoints`, so it is listed as allowed and left alone here.
    func answerWrongMethodsWith405() {
        var byPath: [String: (path: RouterPath, methods: Set<HTTPRequest.Method>)] = [:]
        var order: [String] = []
        for route in routes {
            let key = route.path.description
            if byPath[key] == nil { order.append(key) }
            byPath[key, default: (route.path, [])].methods.insert(route.method)
        }
        for key in order {
            guard let (path, served) = byPath[key] else { continue }
            var allowed = served
            if allowed.contains(.get) { allowed.insert(.head) }
            let allowList =
                Self.answeredMethods.filter(allowed.contains).map(\.rawValue)
                + allowed.map(\.rawValue).filter { name in !Self.answeredMethods.contains { $0.rawValue == name } }.sorted()
            for method in Self.answeredMethods where !allowed.contains(method) {
                on(path, method: method) { request, _ -> Response in
                    throw BridgeError.methodNotAllowed(method: request.method.rawValue, path: request.uri.path, allowed: allowList)
                }
            }
        }
    }
}
