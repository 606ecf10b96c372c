/// Appwrite's permission strings for files (`read("any")`, `update("user:abc/verified")`, …),
/// checked as utopia-php/database's Permissions validator does for createFile, so a permission
/// Appwrite would refuse never leaves the bridge.
enum PermissionRules {
    static let fileActions = ["read", "update", "delete", "write"]
    /// APP_LIMIT_ARRAY_PARAMS_SIZE.
    static let maximumCount = 100

    /// What is wrong with one permission string, or nil.
    static func problem(_ permission: String) -> String? {
        if permission == "*" { return "the wildcard \"*\" was replaced by read(\"any\") and friends" }
        if permission.contains("role:") { return "the \"role:\" prefix was replaced by \"users\", \"guests\" or \"any\"" }
        guard let open = permission.firstIndex(of: "("), permission.hasSuffix("\")"),
            fileActions.contains(String(permission[..<open]))
        else {
            return "'\(permission)' is not action(\"role\") with action one of \(fileActions.joined(separator: ", ")), e.g. read(\"any\")"
        }
        let inner = permission[permission.index(after: open)..<permission.index(before: permission.endIndex)]
        guard inner.hasPrefix("\""), inner.count >= 3, !inner.dropFirst().dropLast().contains("\"") else {
            return "'\(permission)' must quote one role, e.g. read(\"user:abc\")"
        }
        var role = Substring(inner.dropFirst().dropLast())
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
        return roleProblem(String(role), identifier, dimension, in: permission)
    }

    private static func roleProblem(_ role: String, _ identifier: String, _ dimension: String, in permission: String) -> String? {
        let verification = ["verified", "unverified"]
        switch role {
        case "any", "guests":
            if !identifier.isEmpty || !dimension.isEmpty { return "'\(permission)': role \"\(role)\" takes no ID or dimension" }
        case "users":
            if !identifier.isEmpty { return "'\(permission)': role \"users\" takes no ID" }
            if !dimension.isEmpty, !verification.contains(dimension) {
                return "'\(permission)': role \"users\" only takes /verified or /unverified"
            }
        case "user":
            if !AppwriteRules.isValidID(identifier) { return "'\(permission)': role \"user\" needs a valid user ID" }
            if !dimension.isEmpty, !verification.contains(dimension) {
                return "'\(permission)': role \"user\" only takes /verified or /unverified"
            }
        case "team":
            if !AppwriteRules.isValidID(identifier) { return "'\(permission)': role \"team\" needs a valid team ID" }
        case "member", "label":
            if identifier.isEmpty { return "'\(permission)': role \"\(role)\" needs an ID" }
            if !dimension.isEmpty { return "'\(permission)': role \"\(role)\" takes no dimension" }
            if role == "member", !AppwriteRules.isValidID(identifier) {
                return "'\(permission)': role \"member\" needs a valid membership ID"
            }
        default:
            return "'\(permission)': unknown role \"\(role)\"; use any, guests, users, user, team, member or label"
        }
        return nil
    }
}
