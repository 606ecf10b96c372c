import Foundation

/// Appwrite's Account and Session models (src/Appwrite/Utopia/Response/Model/{Account,Session}.php),
/// as JSON objects.
enum UserModels {
    static func account(_ user: SimulatorConfig.User, createdAt: String) -> [String: any Sendable] {
        [
            "$id": user.id, "$createdAt": createdAt, "$updatedAt": createdAt, "name": user.name, "registration": createdAt,
            "status": true, "labels": user.labels, "passwordUpdate": "", "email": user.email, "phone": "",
            "emailVerification": user.emailVerification, "phoneVerification": false, "mfa": false,
            "prefs": [String: String](), "targets": [String](), "accessedAt": createdAt, "impersonator": false,
            "impersonatorUserId": "",
        ]
    }

    static func session(_ session: UserSession, ip: String) -> [String: any Sendable] {
        let created = AppwriteDate.string(session.createdAt)
        return [
            "$id": session.id, "$createdAt": created, "$updatedAt": created, "userId": session.userID,
            "expire": AppwriteDate.string(session.expire), "provider": "server", "providerUid": "", "providerAccessToken": "",
            "providerAccessTokenExpiry": "", "providerRefreshToken": "", "ip": ip, "osCode": "", "osName": "", "osVersion": "",
            "clientType": "", "clientCode": "", "clientName": "", "clientVersion": "", "clientEngine": "",
            "clientEngineVersion": "", "deviceName": "", "deviceBrand": "", "deviceModel": "", "countryCode": "--",
            "countryName": "Unknown", "current": false, "factors": ["server"], "secret": session.encoded, "mfaUpdatedAt": "",
        ]
    }
}
