extension SimulatorConfig {
    /// A storage bucket of a project, with the limits Appwrite checks on every upload.
    public struct Bucket: Codable, Sendable {
        /// Appwrite's default `maximumFileSize` for a new bucket (30 MB).
        public static let defaultMaximumFileSize = 30_000_000

        public var id: String
        /// Bytes; larger files answer 400 storage_invalid_file_size.
        public var maximumFileSize: Int
        /// Lower-case extensions without the dot; empty allows every extension.
        public var allowedFileExtensions: [String]
        /// Like Appwrite, a disabled bucket is "not found" for users but still served to API keys,
        /// and the simulator only knows API keys: the flag is kept for the record.
        public var enabled: Bool
        /// The bucket's permissions (`read("users")` …): who receives its files' Realtime events.
        public var permissions: [String]
        /// With file security, a file's own read permissions reach Realtime subscribers too.
        public var fileSecurity: Bool

        public init(
            id: String,
            maximumFileSize: Int = Bucket.defaultMaximumFileSize,
            allowedFileExtensions: [String] = [],
            enabled: Bool = true,
            permissions: [String] = [],
            fileSecurity: Bool = false
        ) {
            self.id = id
            self.maximumFileSize = maximumFileSize
            self.allowedFileExtensions = allowedFileExtensions
            self.enabled = enabled
            self.permissions = permissions
            self.fileSecurity = fileSecurity
        }

        enum CodingKeys: String, CodingKey {
            case id
            case maximumFileSize = "maximum_file_size"
            case allowedFileExtensions = "allowed_file_extensions"
            case enabled, permissions
            case fileSecurity = "file_security"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(String.self, forKey: .id)
            maximumFileSize = try container.decodeIfPresent(Int.self, forKey: .maximumFileSize) ?? Self.defaultMaximumFileSize
            allowedFileExtensions = (try container.decodeIfPresent([String].self, forKey: .allowedFileExtensions) ?? []).map {
                $0.lowercased()
            }
            enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
            permissions = PermissionRules.aggregate(try container.decodeIfPresent([String].self, forKey: .permissions) ?? [])
            fileSecurity = try container.decodeIfPresent(Bool.self, forKey: .fileSecurity) ?? false
        }
    }
}
