extension PermissionRules {
    /// The roles granted one action (`read`, `create`, …): Document::getPermissionsByType.
    static func roles(_ permissions: [String], action: String) -> [String] {
        permissions.compactMap { permission in
            guard let parsed = parse(permission), parsed.action == action else { return nil }
            var role = parsed.role
            if !parsed.identifier.isEmpty { role += ":" + parsed.identifier }
            if !parsed.dimension.isEmpty { role += "/" + parsed.dimension }
            return role
        }
    }

    /// utopia-php/database's Permissions validator on a JSON parameter: a list of strings, then
    /// each as `problem(in:)` checks it. nil when valid.
    static func problem(inJSON value: PHPValue) -> String? {
        guard case .list(let items) = value else {
            if case .object(let entries) = value, entries.isEmpty { return nil }
            return "Permissions must be an array of strings."
        }
        var permissions: [String] = []
        for item in items {
            guard case .string(let text) = item else { return "Every permission must be of type string." }
            permissions.append(text)
        }
        return problem(in: permissions)
    }
}

/// utopia-php/database's Authorization: which roles a caller holds and whether a permission
/// list lets it in. API keys skip the check (Appwrite disables authorization for them).
struct CallerRoles: Sendable {
    /// nil: an API key, which passes every check.
    var roles: [String]?

    static let key = CallerRoles(roles: nil)
    static let guest = CallerRoles(roles: ["any", "guests"])

    init(roles: [String]?) { self.roles = roles }

    /// A key passes every check; a user has its roles (Access.roles); anyone else is a guest.
    init(_ access: Access) { self = access.isKey ? .key : CallerRoles(roles: access.roles) }

    func allows(_ granted: [String]) -> Bool {
        guard let roles else { return true }
        return granted.contains { roles.contains($0) }
    }

    /// Authorization::getDescription after a failed check.
    func refusal(_ action: String, granted: [String]) -> AppwriteError {
        guard let last = granted.last else {
            return AppwriteError(status: 401, type: "user_unauthorized", message: "No permissions provided for action '\(action)'")
        }
        let list = { (items: [String]) in "[" + items.map { "\"\($0)\"" }.joined(separator: ",") + "]" }
        return AppwriteError(
            status: 401,
            type: "user_unauthorized",
            message:
                "Missing \"\(action)\" permission for role \"\(last)\". Only \"\(list(roles ?? []))\" scopes are allowed and \"\(list(granted))\" was given."
        )
    }

    /// "Users can only manage their own roles": a caller without a key may only grant roles it has.
    func checkGrantable(_ permissions: [String]) throws(AppwriteError) {
        guard let roles else { return }
        for permission in permissions {
            guard let parsed = PermissionRules.parse(permission) else { continue }
            var role = parsed.role
            if !parsed.identifier.isEmpty { role += ":" + parsed.identifier }
            if !parsed.dimension.isEmpty { role += "/" + parsed.dimension }
            guard roles.contains(role) else {
                throw AppwriteError(
                    status: 401,
                    type: "user_unauthorized",
                    message: "Permissions must be one of: (\(roles.joined(separator: ", ")))"
                )
            }
        }
    }
}
