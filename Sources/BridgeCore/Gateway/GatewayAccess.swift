import Foundation
import HTTPTypes
import Hummingbird

/// Who a gateway caller is, decided in Appwrite's order: project, key, scope. A bridge token plays
/// the API key: an unknown one, or one not allowed on the project, is an unknown key (401
/// user_unauthorized); one that may not use the function is a key without the route's scope (401
/// general_unauthorized_scope). Without any token the caller is Appwrite's guest and goes on
/// without a key, so Appwrite itself answers as it would (guests may create executions of
/// functions whose execute permissions let them).
enum GatewayCaller: Sendable {
    /// Sent with the instance's key.
    case key(InstanceConfig)
    /// Sent with the project but no key.
    case guest(InstanceConfig)
    /// No project at all: Appwrite's console project, sent to the first instance without project or key.
    case console(InstanceConfig)

    var instance: InstanceConfig {
        switch self {
        case .key(let instance), .guest(let instance), .console(let instance): instance
        }
    }

    var sendsKey: Bool {
        if case .key = self { return true }
        return false
    }

    var sendsProject: Bool {
        if case .console = self { return false }
        return true
    }
}

struct GatewayAccess {
    /// What a guest may do in Appwrite 1.9.6 (app/config/roles.php): `executions.write` and
    /// `public` matter here; `executions.read` and `health.read` are missing.
    static let guestScopes: Set<String> = [
        "global", "public", "home", "console", "graphql", "sessions.write", "documents.read", "documents.write", "rows.read",
        "rows.write", "files.read", "files.write", "locale.read", "avatars.read", "executions.write",
    ]

    let config: BridgeConfig

    /// - Parameters:
    ///   - scopes: the route's scopes (any one suffices).
    ///   - functionID: the function the call is about, for token and `functions:` scopes.
    func caller(of request: Request, scopes: [String], functionID: String?) throws(GatewayRefusal) -> GatewayCaller {
        let projectID = request.headers[HTTPField.Name("X-Appwrite-Project")!] ?? ""
        let presented = Self.presentedKey(request)
        if projectID.isEmpty || projectID == "console" {
            // Appwrite decodes a key against the console project, whose header it then requires.
            if presented != nil { throw projectID.isEmpty ? GatewayRefusal.projectMissing : GatewayRefusal.userUnauthorized }
            guard let first = config.instances.first else { throw .projectNotFound }
            return try asGuest(.console(first), scopes: scopes)
        }
        guard let instance = config.instance(projectID: projectID) else { throw .projectNotFound }
        guard config.requiresToken else { return try withKey(instance, token: nil, scopes: scopes, functionID: functionID) }
        guard let presented else { return try asGuest(.guest(instance), scopes: scopes) }
        guard let token = config.token(matching: presented), token.instances.allows(projectID) else { throw .userUnauthorized }
        return try withKey(instance, token: token, scopes: scopes, functionID: functionID)
    }

    private func asGuest(_ caller: GatewayCaller, scopes: [String]) throws(GatewayRefusal) -> GatewayCaller {
        guard scopes.contains(where: Self.guestScopes.contains) else { throw .missingScopes(scopes, actor: "User (role: guests)") }
        return caller
    }

    /// Every key has `health.read`; the execution scopes are the token's and the instance's
    /// `functions:` lists. `public` (health/version) is a scope no key has: Appwrite refuses keys
    /// there, and so does the instance's key when the call is sent on.
    private func withKey(_ instance: InstanceConfig, token: AccessToken?, scopes: [String], functionID: String?) throws(GatewayRefusal)
        -> GatewayCaller
    {
        if let functionID, token.map({ !$0.functions.allows(functionID) }) ?? false || !instance.functions.allows(functionID) {
            throw .missingScopes(scopes, actor: Self.keyActor(of: instance))
        }
        return .key(instance)
    }

    /// `X-Appwrite-Key`, or the bridge's own `Authorization: Bearer`.
    static func presentedKey(_ request: Request) -> String? {
        if let key = request.headers[HTTPField.Name("X-Appwrite-Key")!], !key.isEmpty { return key }
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        return parts.count == 2 && parts[0].lowercased() == "bearer" ? String(parts[1]) : nil
    }

    /// Who Appwrite says is missing a scope when an API key of `instance`'s project calls.
    static func keyActor(of instance: InstanceConfig) -> String {
        "app.\(instance.projectID)@service.\(hostname(of: instance)) (role: applications)"
    }

    /// The host Appwrite names in scope errors: the one the bridge sends the call to.
    static func hostname(of instance: InstanceConfig) -> String {
        URLComponents(string: instance.baseURL)?.host ?? "localhost"
    }
}
