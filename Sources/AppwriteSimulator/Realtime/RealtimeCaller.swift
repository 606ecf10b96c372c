import Foundation
import HTTPTypes

/// Who opens a Realtime connection (app/init/realtime/connection.php, resources `project` and
/// `user`): the project from `x-appwrite-project` or `?project=`, then the session from the
/// `a_session_<project>` cookie, `X-Appwrite-Session` or `x-fallback-cookies`, then
/// `x-appwrite-jwt`. A session that does not verify leaves a guest, silently.
struct RealtimeCaller: Sendable {
    /// A connect-time failure: the error frame's code and message.
    struct Refusal: Error, Sendable {
        var code: Int
        var message: String
        /// Policy violations keep their message; other codes ≥ 500 are hidden (app/realtime.php).
        var keepMessage = false
    }

    /// "console" for none, as Appwrite falls back to the console project.
    var projectID: String
    var project: SimulatorConfig.Project?
    var user: SimulatorConfig.User?

    var roles: [String] { user?.roles ?? ["guests"] }

    static func resolve(
        headers: HTTPFields,
        query: [String: PHPQueryParameter],
        config: SimulatorConfig,
        users: SimulatorUsers
    ) async throws(Refusal) -> RealtimeCaller {
        var projectID = headers[HTTPField.Name("x-appwrite-project")!] ?? ""
        if projectID.isEmpty, case .string(let given)? = query["project"] { projectID = given }
        if projectID.isEmpty { projectID = "console" }
        let project = projectID == "console" ? nil : config.project(projectID)
        if projectID != "console" && project == nil {
            throw Refusal(code: 1008, message: "Missing or unknown project ID", keepMessage: true)
        }

        let cookieName = "a_session_\(projectID)"
        let cookies = Self.cookies(headers)
        var store = UserSession.decode(cookies[cookieName] ?? cookies[cookieName + "_legacy"] ?? "")
        if store.userID.isEmpty && store.secret.isEmpty, let header = headers[HTTPField.Name("x-appwrite-session")!], !header.isEmpty {
            store = UserSession.decode(header)
        }
        if store.userID.isEmpty && store.secret.isEmpty, let fallback = headers[HTTPField.Name("x-fallback-cookies")!],
            let object = try? JSONSerialization.jsonObject(with: Data(fallback.utf8)) as? [String: Any],
            let value = object[cookieName] as? String
        {
            store = UserSession.decode(value)
        }
        var user: SimulatorConfig.User?
        if let project, !store.userID.isEmpty, let found = project.users.first(where: { $0.id == store.userID }) {
            let verified = await users.verify(projectID: projectID, userID: found.id, secret: store.secret)
            if verified || (!store.secret.isEmpty && found.sessionSecrets.contains(store.secret)) { user = found }
        }

        if let jwt = headers[HTTPField.Name("x-appwrite-jwt")!], !jwt.isEmpty, let project {
            if user != nil {
                throw Refusal(
                    code: 403,
                    message:
                        "JWT and cookie used in the same request. Use either `setJWT` or `setCookie`. Learn about which authentication method to use in the SSR docs: https://appwrite.io/docs/products/auth/server-side-rendering"
                )
            }
            let claims: (userID: String, sessionID: String)
            do {
                claims = try SimulatorJWT.decode(jwt, key: users.jwtKey)
            } catch {
                throw Refusal(code: 401, message: "Failed to verify JWT. \(error.message)")
            }
            user = project.users.first { $0.id == claims.userID }
            if let found = user, !claims.sessionID.isEmpty {
                // 1.9.6 checks only that the session still exists, not that it is unexpired.
                let sessions = await users.sessions(projectID: projectID, userID: found.id)
                if !sessions.contains(where: { $0.id == claims.sessionID }) { user = nil }
            }
        }
        return RealtimeCaller(projectID: projectID, project: project, user: user)
    }

    /// The Cookie header's name=value pairs.
    static func cookies(_ headers: HTTPFields) -> [String: String] {
        var result: [String: String] = [:]
        for header in headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                result[String(parts[0])] = String(parts[1]).removingPercentEncoding ?? String(parts[1])
            }
        }
        return result
    }

    /// Origin (src/Appwrite/Network/Validator/Origin.php), checked only when sent and not for the
    /// console. The simulator's only web platform is `localhost`; `exp` and
    /// `appwrite-callback-<project>` are the allowed schemes.
    static func checkOrigin(_ origin: String?, projectID: String) throws(Refusal) {
        guard let origin, !origin.isEmpty, projectID != "console" else { return }
        let url = URLComponents(string: origin)
        let scheme = url?.scheme?.lowercased()
        let host = url?.host?.lowercased() ?? ""
        if let scheme, ["http", "https"].contains(scheme) {
            if host == "localhost" { return }
            let shown = host.isEmpty ? "" : "(\(host))"
            throw Refusal(
                code: 1008,
                message: "Invalid Origin. Register your new client \(shown) as a new Web platform on your project console dashboard",
                keepMessage: true
            )
        }
        if let scheme, ["exp", "appwrite-callback-\(projectID)"].contains(scheme) { return }
        if scheme == nil && host.isEmpty { throw Refusal(code: 1008, message: "Invalid Origin.", keepMessage: true) }
        throw Refusal(
            code: 1008,
            message:
                "Invalid Scheme. The scheme used (\(scheme ?? "")) in the Origin (\(origin)) is not supported. If you are using a custom scheme, please change it to `appwrite-callback-<PROJECT_ID>`",
            keepMessage: true
        )
    }
}
