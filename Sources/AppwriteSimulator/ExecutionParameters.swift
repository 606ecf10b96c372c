import Foundation

/// createExecution's parameters, validated in Appwrite's order with Appwrite's messages.
struct ExecutionParameters: Sendable {
    static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]

    var body = ""
    var isAsync = false
    var path = "/"
    var method = "POST"
    var headers: [(String, String)] = []
    var scheduledAt: String?

    /// What `isValidID` checks, in Appwrite's words.
    static let idRule =
        "Parameter must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, period, hyphen, and underscore. Can't start with a special char"

    static func isValidID(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, id.unicodeScalars.count <= 36 else { return false }
        func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar))
        }
        guard isAlphanumeric(first) else { return false }
        return id.unicodeScalars.allSatisfy { isAlphanumeric($0) || $0 == "." || $0 == "-" || $0 == "_" }
    }

    init(_ params: [String: AnyJSON]) throws(AppwriteError) {
        switch params["body"] {
        case nil, .null?: break
        case .string(let text)? where text.unicodeScalars.count <= 10_485_760: body = text
        default:
            throw .argumentInvalid("body", "Value must be a valid string and no longer than 10485760 chars")
        }
        switch params["async"] {
        case nil, .null?: break
        case .bool(let flag)?: isAsync = flag
        case .string("true")?, .number(1)?: isAsync = true
        case .string("false")?, .number(0)?: isAsync = false
        default: throw .argumentInvalid("async", "Value must be a valid boolean")
        }
        switch params["path"] {
        case nil, .null?: break
        case .string(let text)? where (1...2048).contains(text.count): path = text
        default: throw .argumentInvalid("path", "Value must be a valid string and at least 1 chars and no longer than 2048 chars")
        }
        switch params["method"] {
        case nil, .null?: break
        case .string(let text)? where Self.methods.contains(text): method = text
        default:
            throw .argumentInvalid("method", "Value must be one of (\(Self.methods.joined(separator: ", ")))")
        }
        switch params["headers"] {
        case nil, .null?: break
        case .object(let object)?:
            var size = 0
            for (name, value) in object.sorted(by: { $0.key < $1.key }) {
                guard case .string(let text) = value, Self.isValidHeaderName(name) else { throw .invalidHeaders }
                size += name.count + text.count
                headers.append((name, text))
            }
            guard object.count <= 100, size < 16_384 else { throw .invalidHeaders }
        default: throw .invalidHeaders
        }
        switch params["scheduledAt"] {
        case nil, .null?: break
        case .string(let text)?: scheduledAt = text
        default: throw .argumentInvalid("scheduledAt", "Value must be valid date in ISO 8601 format.")
        }
    }

    static func isValidHeaderName(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        guard let first = scalars.first, let last = scalars.last else { return false }
        let alphanumeric = { (scalar: Unicode.Scalar) in scalar.isASCII && CharacterSet.alphanumerics.contains(scalar) }
        guard alphanumeric(first), alphanumeric(last) else { return false }
        guard scalars.allSatisfy({ alphanumeric($0) || $0 == "-" }) else { return false }
        return !name.lowercased().hasPrefix("x-appwrite-")
    }
}
