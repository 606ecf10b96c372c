extension SimulatorConfig {
    /// Realtime's abuse limits (app/realtime.php): 32 messages per minute per connection, 128
    /// connects per minute per path and client address. 0 turns a limit off, as
    /// `_APP_OPTIONS_ABUSE=disabled` turns both off in Appwrite.
    public struct RealtimeSettings: Codable, Sendable {
        public var messagesPerMinute: Int
        public var connectsPerMinute: Int

        public init(messagesPerMinute: Int = 32, connectsPerMinute: Int = 128) {
            self.messagesPerMinute = messagesPerMinute
            self.connectsPerMinute = connectsPerMinute
        }

        enum CodingKeys: String, CodingKey {
            case messagesPerMinute = "messages_per_minute"
            case connectsPerMinute = "connects_per_minute"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            messagesPerMinute = max(try container.decodeIfPresent(Int.self, forKey: .messagesPerMinute) ?? 32, 0)
            connectsPerMinute = max(try container.decodeIfPresent(Int.self, forKey: .connectsPerMinute) ?? 128, 0)
        }
    }
}
