/// Appwrite's Message model (Messaging), encoded with the same keys and explicit nulls.
public struct Message: Codable, Sendable, Equatable {
    public enum ProviderType: String, Codable, Sendable, CaseIterable {
        case email, sms, push
    }

    public var id: String
    public var createdAt: String
    public var updatedAt: String
    public var providerType: ProviderType
    public var topics: [String]
    public var users: [String]
    public var targets: [String]
    public var scheduledAt: String?
    public var deliveredAt: String?
    public var deliveryErrors: [String]
    public var deliveredTotal: Int
    /// The provider-specific fields: push `title`, `body`, `priority`…; email `subject`, `content`, `html`,
    /// `cc`, `bcc`, `attachments`; sms `content`.
    public var data: [String: AnyJSON]
    /// `draft`, `scheduled` or `processing` when created; the simulator moves `processing` to `sent`.
    public var status: String

    enum CodingKeys: String, CodingKey {
        case id = "$id"
        case createdAt = "$createdAt"
        case updatedAt = "$updatedAt"
        case providerType, topics, users, targets, scheduledAt, deliveredAt, deliveryErrors, deliveredTotal, data
        case status
    }

    init(
        id: String,
        createdAt: String,
        providerType: ProviderType,
        topics: [String],
        users: [String],
        targets: [String],
        scheduledAt: String?,
        data: [String: AnyJSON],
        status: String
    ) {
        self.id = id
        self.createdAt = createdAt
        self.updatedAt = createdAt
        self.providerType = providerType
        self.topics = topics
        self.users = users
        self.targets = targets
        self.scheduledAt = scheduledAt
        self.deliveredAt = nil
        self.deliveryErrors = []
        self.deliveredTotal = 0
        self.data = data
        self.status = status
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encode(providerType, forKey: .providerType)
        try container.encode(topics, forKey: .topics)
        try container.encode(users, forKey: .users)
        try container.encode(targets, forKey: .targets)
        try container.encode(scheduledAt, forKey: .scheduledAt)
        try container.encode(deliveredAt, forKey: .deliveredAt)
        try container.encode(deliveryErrors, forKey: .deliveryErrors)
        try container.encode(deliveredTotal, forKey: .deliveredTotal)
        try container.encode(data, forKey: .data)
        try container.encode(status, forKey: .status)
    }
}
