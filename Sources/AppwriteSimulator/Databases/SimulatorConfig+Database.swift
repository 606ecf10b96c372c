extension SimulatorConfig {
    /// A database of a project, served by the Databases API (Appwrite's `legacy` type, whose
    /// document events Appwrite mirrors to the rows/tables and `tablesdb.` forms).
    public struct Database: Codable, Sendable {
        public var id: String
        public var name: String
        /// A disabled database is "not found" for guests and still served to API keys.
        public var enabled: Bool
        public var collections: [Collection]

        public init(id: String, name: String? = nil, enabled: Bool = true, collections: [Collection]) {
            self.id = id
            self.name = name ?? id
            self.enabled = enabled
            self.collections = collections
        }

        enum CodingKeys: String, CodingKey { case id, name, enabled, collections }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(String.self, forKey: .id)
            name = try container.decodeIfPresent(String.self, forKey: .name) ?? id
            enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
            collections = try container.decodeIfPresent([Collection].self, forKey: .collections) ?? []
        }
    }

    /// A collection (a table, for TablesDB): its permissions (`read("any")`, `create("users")` …),
    /// whether documents carry their own (`document_security`), and optional attributes. Without
    /// attributes a collection is schemaless: any data is stored as given.
    public struct Collection: Codable, Sendable {
        public var id: String
        public var name: String
        public var enabled: Bool
        public var permissions: [String]
        public var documentSecurity: Bool
        public var attributes: [Attribute]

        public init(
            id: String,
            name: String? = nil,
            enabled: Bool = true,
            permissions: [String] = [],
            documentSecurity: Bool = false,
            attributes: [Attribute] = []
        ) {
            self.id = id
            self.name = name ?? id
            self.enabled = enabled
            self.permissions = permissions
            self.documentSecurity = documentSecurity
            self.attributes = attributes
        }

        enum CodingKeys: String, CodingKey {
            case id, name, enabled, permissions, attributes
            case documentSecurity = "document_security"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(String.self, forKey: .id)
            name = try container.decodeIfPresent(String.self, forKey: .name) ?? id
            enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
            permissions = PermissionRules.aggregate(try container.decodeIfPresent([String].self, forKey: .permissions) ?? [])
            documentSecurity = try container.decodeIfPresent(Bool.self, forKey: .documentSecurity) ?? false
            attributes = try container.decodeIfPresent([Attribute].self, forKey: .attributes) ?? []
        }

        /// The roles of one permission type (`read`, `create`, …), as Document::getPermissionsByType.
        func roles(for action: String) -> [String] { PermissionRules.roles(permissions, action: action) }
    }

    /// A declared attribute: its key, type (`string`, `integer`, `double`, `boolean`, `datetime`),
    /// whether it is required, and whether it holds a list.
    public struct Attribute: Codable, Sendable {
        public static let types = ["string", "integer", "double", "boolean", "datetime"]
        public var key: String
        public var type: String
        public var required: Bool
        public var array: Bool

        public init(key: String, type: String, required: Bool = false, array: Bool = false) {
            self.key = key
            self.type = type
            self.required = required
            self.array = array
        }

        enum CodingKeys: String, CodingKey { case key, type, required, array }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            key = try container.decode(String.self, forKey: .key)
            type = try container.decode(String.self, forKey: .type)
            guard Self.types.contains(type) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .type,
                    in: container,
                    debugDescription: "attribute type must be one of \(Self.types.joined(separator: ", "))"
                )
            }
            required = try container.decodeIfPresent(Bool.self, forKey: .required) ?? false
            array = try container.decodeIfPresent(Bool.self, forKey: .array) ?? false
        }
    }
}
