import Foundation

/// Appwrite's Execution model, encoded with the same keys (and `scheduledAt: null`).
public struct Execution: Codable, Sendable, Equatable {
    public struct Header: Codable, Sendable, Equatable {
        public var name: String
        public var value: String
    }

    public var id: String
    public var createdAt: String
    public var updatedAt: String
    public var functionID: String
    public var deploymentID: String
    public var trigger: String
    public var status: String
    public var requestMethod: String
    public var requestPath: String
    public var requestHeaders: [Header]
    public var responseStatusCode: Int
    public var responseBody: String
    public var responseHeaders: [Header]
    public var logs: String
    public var errors: String
    public var duration: Double
    public var scheduledAt: String?
    /// `[read("user:<id>")]` for a user's own run; empty for a key's or a guest's.
    public var permissions: [String] = []

    enum CodingKeys: String, CodingKey {
        case id = "$id"
        case createdAt = "$createdAt"
        case updatedAt = "$updatedAt"
        case permissions = "$permissions"
        case functionID = "functionId"
        case deploymentID = "deploymentId"
        case trigger, status, requestMethod, requestPath, requestHeaders, responseStatusCode, responseBody
        case responseHeaders, logs, errors, duration, scheduledAt
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        createdAt = try container.decode(String.self, forKey: .createdAt)
        updatedAt = try container.decode(String.self, forKey: .updatedAt)
        functionID = try container.decode(String.self, forKey: .functionID)
        deploymentID = try container.decode(String.self, forKey: .deploymentID)
        trigger = try container.decode(String.self, forKey: .trigger)
        status = try container.decode(String.self, forKey: .status)
        requestMethod = try container.decode(String.self, forKey: .requestMethod)
        requestPath = try container.decode(String.self, forKey: .requestPath)
        requestHeaders = try container.decode([Header].self, forKey: .requestHeaders)
        responseStatusCode = try container.decode(Int.self, forKey: .responseStatusCode)
        responseBody = try container.decode(String.self, forKey: .responseBody)
        responseHeaders = try container.decode([Header].self, forKey: .responseHeaders)
        logs = try container.decode(String.self, forKey: .logs)
        errors = try container.decode(String.self, forKey: .errors)
        duration = try container.decode(Double.self, forKey: .duration)
        scheduledAt = try container.decodeIfPresent(String.self, forKey: .scheduledAt)
        permissions = try container.decodeIfPresent([String].self, forKey: .permissions) ?? []
    }

    init(
        id: String,
        createdAt: String,
        functionID: String,
        deploymentID: String,
        trigger: String,
        status: String,
        requestMethod: String,
        requestPath: String,
        requestHeaders: [Header],
        scheduledAt: String?
    ) {
        self.id = id
        self.createdAt = createdAt
        self.updatedAt = createdAt
        self.functionID = functionID
        self.deploymentID = deploymentID
        self.trigger = trigger
        self.status = status
        self.requestMethod = requestMethod
        self.requestPath = requestPath
        self.requestHeaders = requestHeaders
        self.responseStatusCode = 0
        self.responseBody = ""
        self.responseHeaders = []
        self.logs = ""
        self.errors = ""
        self.duration = 0
        self.scheduledAt = scheduledAt
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encode(permissions, forKey: .permissions)
        try container.encode(functionID, forKey: .functionID)
        try container.encode(deploymentID, forKey: .deploymentID)
        try container.encode(trigger, forKey: .trigger)
        try container.encode(status, forKey: .status)
        try container.encode(requestMethod, forKey: .requestMethod)
        try container.encode(requestPath, forKey: .requestPath)
        try container.encode(requestHeaders, forKey: .requestHeaders)
        try container.encode(responseStatusCode, forKey: .responseStatusCode)
        try container.encode(responseBody, forKey: .responseBody)
        try container.encode(responseHeaders, forKey: .responseHeaders)
        try container.encode(logs, forKey: .logs)
        try container.encode(errors, forKey: .errors)
        try container.encode(duration, forKey: .duration)
        if let scheduledAt {
            try container.encode(scheduledAt, forKey: .scheduledAt)
        } else {
            try container.encodeNil(forKey: .scheduledAt)
        }
    }
}

/// Appwrite's date format: `2025-01-01T12:00:00.000+00:00`.
enum AppwriteDate {
    static func string(_ date: Date) -> String {
        let text = date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
        return text.hasSuffix("Z") ? String(text.dropLast()) + "+00:00" : text
    }

    static func parse(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}
