import Foundation

/// The sessions of every project's users, and the key JWTs are signed with
/// (`_APP_OPENSSL_KEY_V1` in Appwrite; a random one per simulator run here).
public actor SimulatorUsers {
    /// Appwrite's default session length (`TOKEN_EXPIRATION_LOGIN_LONG`, one year).
    static let sessionDuration: TimeInterval = 31_536_000
    /// Appwrite's default per-user session limit: past it the oldest session is deleted.
    static let sessionLimit = 10

    private var sessions: [String: [UserSession]] = [:]
    /// When the configured users "registered": the simulator's start.
    nonisolated let createdAt = AppwriteDate.string(Date())
    nonisolated let jwtKey: [UInt8] = (0..<32).map { _ in UInt8.random(in: 0...255) }

    public init() {}

    func createSession(projectID: String, userID: String, now: Date = Date()) -> UserSession {
        let session = UserSession(
            id: SimulatorAPI.newID(),
            userID: userID,
            secret: (0..<64).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined(),
            createdAt: now,
            expire: now.addingTimeInterval(Self.sessionDuration)
        )
        var list = sessions[Self.key(projectID, userID), default: []]
        list.append(session)
        if list.count > Self.sessionLimit { list.removeFirst(list.count - Self.sessionLimit) }
        sessions[Self.key(projectID, userID)] = list
        return session
    }

    /// The user's sessions, oldest first.
    func sessions(projectID: String, userID: String) -> [UserSession] { sessions[Self.key(projectID, userID)] ?? [] }

    /// `User::sessionVerify`: a session of that user with this secret that has not expired.
    func verify(projectID: String, userID: String, secret: String, now: Date = Date()) -> Bool {
        guard !secret.isEmpty else { return false }
        return sessions(projectID: projectID, userID: userID).contains { $0.secret == secret && $0.expire > now }
    }

    /// Test control: forget every session (so a handshake with an old secret becomes a guest).
    public func deleteSessions(projectID: String, userID: String) {
        sessions[Self.key(projectID, userID)] = nil
    }

    public func reset() { sessions = [:] }

    private static func key(_ projectID: String, _ userID: String) -> String { "\(projectID)/\(userID)" }
}
