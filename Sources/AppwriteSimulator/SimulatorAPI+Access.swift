import HTTPTypes
import Hummingbird

/// Who is calling, found the way Appwrite 1.9.6 finds it: the `project` and `apiKey` resources
/// (app/init/resources/request.php, src/Appwrite/Auth/Key.php), then the API hook's steps
/// (app/controllers/shared/api.php): project, key, scope. Parameters come after, in the handler.
struct Access: Sendable {
    enum Caller: Sendable {
        case key(SimulatorConfig.Key)
        /// No key, or a key Appwrite decodes as a guest key (an unknown ephemeral or other type).
        case guest
        /// No key, and a session or JWT of a configured user (read only by the routes that pass it).
        case user(SimulatorConfig.User)
    }

    /// nil: the console project (no `X-Appwrite-Project`): no keys, no functions.
    var project: SimulatorConfig.Project?
    var caller: Caller

    var projectID: String { project?.id ?? "console" }
    var isKey: Bool {
        if case .key = caller { return true }
        return false
    }

    /// What a guest may do (app/config/roles.php, `guests`): note `executions.write`, so a call
    /// without a key reaches the parameters and then the function's execute permissions.
    static let guestScopes: Set<String> = [
        "global", "public", "home", "console", "graphql", "sessions.write", "documents.read", "documents.write", "rows.read",
        "rows.write", "files.read", "files.write", "locale.read", "avatars.read", "executions.write",
    ]
    /// A signed-in user's scopes (roles.php, `$member`).
    static let memberScopes: Set<String> = [
        "global", "public", "home", "console", "graphql", "sessions.write", "account", "teams.read", "teams.write", "presences.read",
        "presences.write", "documents.read", "documents.write", "rows.read", "rows.write", "files.read", "files.write", "projects.read",
        "locale.read", "avatars.read", "executions.read", "executions.write", "targets.read", "targets.write", "subscribers.write",
        "subscribers.read", "assistant.read", "rules.read",
    ]
    /// The caller's Authorization roles: a guest `any` and `guests`; a user `any` and its roles.
    var roles: [String] {
        switch caller {
        case .key: []
        case .guest: ["any", "guests"]
        case .user(let user): ["any"] + user.roles
        }
    }
    var user: SimulatorConfig.User? {
        if case .user(let user) = caller { return user }
        return nil
    }
    /// Every project key has these besides its own (roles.php, `apps`).
    static let keyScopes = ["global", "health.read", "graphql"]
    /// Key types whose unknown secret is refused outright; any other prefix decodes as a guest key.
    static let lookedUpKeyTypes: Set<String> = ["standard", "organization", "account"]
}

extension SimulatorAPI {
    func access(_ request: Request, anyOf scopes: [String], user: SimulatorConfig.User? = nil) throws(AppwriteError) -> Access {
        let projectHeader = request.headers[HTTPField.Name("X-Appwrite-Project")!] ?? ""
        let keyHeader = request.headers[HTTPField.Name("X-Appwrite-Key")!] ?? ""
        let isConsole = projectHeader.isEmpty || projectHeader == "console"
        let project = isConsole ? nil : config.project(projectHeader)

        var caller = Access.Caller.guest
        var unknownKey = false
        if !keyHeader.isEmpty {
            // A key decoded against the console belongs to "console": without that project header
            // the apiKey resource refuses it before anything else.
            if isConsole && projectHeader != "console" { throw .projectMissing }
            if let key = project?.keys.first(where: { $0.secret == keyHeader }) {
                caller = .key(key)
            } else {
                let type = keyHeader.contains("_") ? String(keyHeader.split(separator: "_", maxSplits: 1)[0]) : "standard"
                unknownKey = Access.lookedUpKeyTypes.contains(type)
            }
        }
        if !isConsole && project == nil { throw .projectNotFound }
        if case .key(let key) = caller, key.expired { throw .keyExpired }
        if keyHeader.isEmpty, let user { caller = .user(user) }
        if unknownKey { throw .userUnauthorized }

        let granted: Set<String>
        let actor: String
        switch caller {
        case .key(let key):
            granted = Set(key.scopes + Access.keyScopes)
            let host = request.head.authority.map { Self.hostname($0) } ?? "localhost"
            actor = "app.\(project?.id ?? "console")@service.\(host) (role: applications)"
        case .user(let user):
            granted = Access.memberScopes
            actor = "\(user.email.isEmpty ? "User" : user.email) (role: users)"
        case .guest:
            granted = Access.guestScopes
            actor = "User (role: guests)"
        }
        guard scopes.contains(where: granted.contains) else { throw .missingScopes(scopes, actor: actor) }
        return Access(project: project, caller: caller)
    }

    /// The function as the caller may see it: a disabled one only for keys (Get, XList, Create).
    func function(_ id: String, for access: Access) throws(AppwriteError) -> SimulatorConfig.Function {
        guard let function = access.project?.functions.first(where: { $0.id == id }), function.enabled || access.isKey else {
            throw .functionNotFound
        }
        return function
    }

    /// `Request::getHostname()`: the Host header without its port.
    static func hostname(_ authority: String) -> String {
        if authority.hasPrefix("["), let end = authority.firstIndex(of: "]") {
            return String(authority[authority.index(after: authority.startIndex)..<end])
        }
        return authority.split(separator: ":").first.map(String.init) ?? authority
    }
}
