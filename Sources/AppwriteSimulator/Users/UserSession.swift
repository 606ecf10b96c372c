import Foundation

/// A session minted by `POST /v1/users/{userId}/sessions`. Appwrite keeps a hash of the secret;
/// the simulator keeps the secret itself, which only ever leaves in that one reply.
struct UserSession: Sendable {
    var id: String
    var userID: String
    var secret: String
    var createdAt: Date
    var expire: Date

    /// `utopia-php/auth` Store::encode: base64 of `{"id":…,"secret":…}`, the value of the
    /// `a_session_<project>` cookie and of `X-Appwrite-Session`.
    var encoded: String {
        let object: [String: String] = ["id": userID, "secret": secret]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return data.base64EncodedString()
    }

    /// Store::decode: base64 of a JSON object with `id` and `secret`; anything else reads as empty.
    static func decode(_ value: String) -> (userID: String, secret: String) {
        guard let data = Data(base64Encoded: value),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return ("", "") }
        return (object["id"] as? String ?? "", object["secret"] as? String ?? "")
    }
}
