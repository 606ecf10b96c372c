import Crypto
import Foundation

/// The JWTs of `POST /v1/users/{userId}/jwts`, made and checked as Appwrite's `Ahc\Jwt\JWT`
/// (HS256, `exp` = now + duration, checked with a 3,600 s maximum age and no leeway).
enum SimulatorJWT {
    struct Failure: Error, Equatable {
        /// The library's message, e.g. "Invalid token: Expired".
        var message: String
    }

    static func encode(userID: String, sessionID: String, duration: Int, key: [UInt8], now: Date = Date()) -> String {
        let header = #"{"typ":"JWT","alg":"HS256"}"#
        let exp = Int(now.timeIntervalSince1970) + duration
        let payload = "{\"userId\":\(quoted(userID)),\"sessionId\":\(quoted(sessionID)),\"exp\":\(exp)}"
        let signingInput = base64URL(Data(header.utf8)) + "." + base64URL(Data(payload.utf8))
        return signingInput + "." + base64URL(signature(signingInput, key: key))
    }

    /// The payload's `userId` and `sessionId`, or the reason the library refuses the token.
    static func decode(_ token: String, key: [UInt8], now: Date = Date()) throws(Failure) -> (userID: String, sessionID: String) {
        let parts = token.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 else { throw Failure(message: "Invalid token: Incomplete segments") }
        guard let header = json(parts[0]) else { throw Failure(message: "JSON failed: Syntax error, malformed JSON") }
        guard let algorithm = header["alg"] as? String, !algorithm.isEmpty else {
            throw Failure(message: "Invalid token: Missing header algo")
        }
        guard algorithm == "HS256" else { throw Failure(message: "Invalid token: Unsupported header algo") }
        guard base64URL(signature(parts[0] + "." + parts[1], key: key)) == parts[2] else {
            throw Failure(message: "Invalid token: Signature failed")
        }
        guard let payload = json(parts[1]) else { throw Failure(message: "JSON failed: Syntax error, malformed JSON") }
        let timestamp = now.timeIntervalSince1970
        if let exp = number(payload["exp"]), timestamp >= exp { throw Failure(message: "Invalid token: Expired") }
        if let iat = number(payload["iat"]), timestamp >= iat + 3600 {
            throw Failure(message: "Invalid token: Expired")
        }
        return (payload["userId"] as? String ?? "", payload["sessionId"] as? String ?? "")
    }

    private static func number(_ value: Any?) -> Double? {
        if let value = value as? Int { return Double(value) }
        return value as? Double
    }

    private static func signature(_ input: String, key: [UInt8]) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: key)))
    }

    private static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func json(_ segment: String) -> [String: Any]? {
        var text = segment.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    private static func quoted(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }
}
