/// Appwrite's permission strings (`read("any")`, `update("user:abc/verified")`), checked as
/// utopia-php/database's Permissions validator does for createFile (read, update, delete, write).
enum PermissionRules {
    static let fileActions = ["read", "update", "delete", "write"]
    static let limit = 100

    /// nil when valid, else the validator's message.
    static func problem(in permissions: [String]) -> String? {
        if permissions.count > limit { return "You can only provide up to \(limit) permissions." }
        for permission in permissions {
            if permission == "*" { return "Wildcard permission \"*\" has been replaced. Use \"any\" instead." }
            if permission.contains("role:") {
                return "Permissions using the \"role:\" prefix have been replaced. Use \"users\", \"guests\", or \"any\" instead."
            }
            guard fileActions.contains(where: { permission.hasPrefix($0) }) else {
                return "Permission \"\(permission)\" is not allowed. Must be one of: \(fileActions.joined(separator: ", "))."
            }
            guard let parsed = parse(permission) else { return "Invalid permission string format: \"\(permission)\"." }
            if let problem = roleProblem(parsed.role, parsed.identifier, parsed.dimension) { return problem }
        }
        return nil
    }

    /// `write` stands for update and delete, as Permission::aggregate expands it.
    static func aggregate(_ permissions: [String]) -> [String] {
        permissions.flatMap { permission -> [String] in
            guard permission.hasPrefix("write("), parse(permission) != nil else { return [permission] }
            let role = permission.dropFirst("write".count)
            return ["update\(role)", "delete\(role)"]
        }
    }

    static func parse(_ permission: String) -> (action: String, role: String, identifier: String, dimension: String)? {
        guard let open = permission.firstIndex(of: "("), permission.hasSuffix("\")") else { return nil }
        let action = String(permission[..<open])
        let inner = permission[permission.index(after: open)..<permission.index(before: permission.endIndex)]
        guard inner.hasPrefix("\""), inner.count >= 2 else { return nil }
        let roleText = inner.dropFirst().dropLast()
        guard !roleText.contains("\"") else { return nil }
        var role = Substring(roleText)
        var dimension = ""
        if let slash = role.firstIndex(of: "/") {
            dimension = String(role[role.index(after: slash)...])
            role = role[..<slash]
        }
        var identifier = ""
        if let colon = role.firstIndex(of: ":") {
            identifier = String(role[role.index(after: colon)...])
            role = role[..<colon]
        }
        return (action, String(role), identifier, dimension)
    }

    private static func roleProblem(_ role: String, _ identifier: String, _ dimension: String) -> String? {
        switch role {
        case "any", "guests":
            if !identifier.isEmpty { return "Role \"\(role)\" can not have an ID value." }
            if !dimension.isEmpty { return "Role \"\(role)\" can not have a dimension value." }
        case "users":
            if !identifier.isEmpty { return "Role \"users\" can not have an ID value." }
            if !dimension.isEmpty, !["verified", "unverified"].contains(dimension) {
                return "Only dimensions \"verified\" and \"unverified\" are allowed for role \"users\"."
            }
        case "user":
            if identifier.isEmpty { return "Role \"user\" must have an ID value." }
            if !UtopiaValidators.uid(identifier) {
                return "Role \"user\" identifier value is invalid: \(ParameterReader.uidRule)"
            }
            if !dimension.isEmpty, !["verified", "unverified"].contains(dimension) {
                return "Only dimensions \"verified\" and \"unverified\" are allowed for role \"user\"."
            }
        case "team":
            if identifier.isEmpty { return "Role \"team\" must have an ID value." }
            if !UtopiaValidators.uid(identifier) {
                return "Role \"team\" identifier value is invalid: \(ParameterReader.uidRule)"
            }
        case "member", "label":
            if identifier.isEmpty { return "Role \"\(role)\" must have an ID value." }
            if !dimension.isEmpty { return "Role \"\(role)\" can not have a dimension value." }
        default:
            return "Role \"\(role)\" is not allowed. Must be one of: any, guests, users, user, team, member, label."
        }
        return nil
    }
}
