extension SimulatorConfig {
    /// A user of a project: who a session or JWT stands for, and so which roles a Realtime
    /// connection gets (`user:<id>`, `users`, `…/verified`, `label:<l>`).
    public struct User: Codable, Sendable {
        public var id: String
        public var name: String
        public var email: String
        public var emailVerification: Bool
        public var labels: [String]
        /// Sessions that exist from the start and survive a restart (the secret part of the
        /// session value), so a client's stored session outlives a simulator restart as it
        /// outlives an Appwrite restart.
        public var sessionSecrets: [String] = []

        public init(id: String, name: String = "", email: String = "", emailVerification: Bool = false, labels: [String] = []) {
            self.id = id
            self.name = name
            self.email = email
            self.emailVerification = emailVerification
            self.labels = labels
        }

        enum CodingKeys: String, CodingKey {
            case id, name, email, labels
            case emailVerification = "email_verification"
            case sessionSecrets = "session_secrets"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(String.self, forKey: .id)
            name = try container.decodeIfPresent(String.self, forKey: .name) ?? ""
            email = try container.decodeIfPresent(String.self, forKey: .email) ?? ""
            emailVerification = try container.decodeIfPresent(Bool.self, forKey: .emailVerification) ?? false
            labels = try container.decodeIfPresent([String].self, forKey: .labels) ?? []
            sessionSecrets = try container.decodeIfPresent([String].self, forKey: .sessionSecrets) ?? []
        }

        /// `User::getRoles` (src/Appwrite/Utopia/Database/Documents/User.php) for a user with no
        /// teams: `user:<id>`, `user:<id>/<dimension>`, `users`, `users/<dimension>`, `label:<l>`.
        var roles: [String] {
            let dimension = emailVerification ? "verified" : "unverified"
            return ["user:\(id)", "user:\(id)/\(dimension)", "users", "users/\(dimension)"] + labels.map { "label:\($0)" }
        }
    }
}
