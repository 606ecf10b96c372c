import Foundation
import HTTPTypes
import Hummingbird

/// `POST /v1/users/{userId}/sessions` and `POST /v1/users/{userId}/jwts`
/// (app/controllers/api/users.php): credentials a daemon mints for a dedicated user, with a key.
extension SimulatorAPI {
    var users: SimulatorUsers { state.users }

    func registerUsers(on router: Router<BasicRequestContext>) {
        router.post("/v1/users/:userId/sessions") { request, context in
            let project = try authorize(request, anyOf: ["users.write", "sessions.write"])
            let userID = try context.parameters.require("userId")
            guard userID == "unique()" || UtopiaValidators.uid(userID) else {
                throw AppwriteError.argumentInvalid("userId", UtopiaValidators.keyDescription)
            }
            guard let user = project.users.first(where: { $0.id == userID }) else { throw AppwriteError.userNotFound }
            let session = await users.createSession(projectID: project.id, userID: user.id)
            let model = UserModels.session(session, ip: Self.clientIP(request, context: context))
            await state.realtime.publish(RealtimeEvents.session(session, model: model, projectID: project.id))
            return json(model, status: .created)
        }
        router.post("/v1/users/:userId/jwts") { request, context in
            let project = try authorize(request, anyOf: ["users.write"])
            let userID = try context.parameters.require("userId")
            guard UtopiaValidators.uid(userID) else { throw AppwriteError.argumentInvalid("userId", UtopiaValidators.uidDescription) }
            let parameters = try await requestParameters(request)
            var sessionID = ""
            if let given = parameters["sessionId"], given != .null {
                guard case .string(let text) = given, UtopiaValidators.uid(text) else {
                    throw AppwriteError.argumentInvalid("sessionId", UtopiaValidators.uidDescription)
                }
                sessionID = text
            }
            let duration = try Self.jwtDuration(parameters["duration"])
            guard let user = project.users.first(where: { $0.id == userID }) else { throw AppwriteError.userNotFound }
            let sessions = await users.sessions(projectID: project.id, userID: user.id)
            let bound = sessionID == "recent" ? sessions.last : sessions.first { $0.id == sessionID }
            // The JWT library refuses a maximum age below 1 s: Appwrite answers 500 for duration 0.
            guard duration > 0 else { throw AppwriteError.serverError }
            let jwt = SimulatorJWT.encode(userID: user.id, sessionID: bound?.id ?? "", duration: duration, key: users.jwtKey)
            return json(["jwt": jwt], status: .created)
        }
    }

    /// `Range(0, 3600)`: an integer (or integer text) from 0 to 3,600; 900 when absent.
    static func jwtDuration(_ value: PHPValue?) throws(AppwriteError) -> Int {
        let description = "Value must be a valid range between 0 and 3,600"
        switch value {
        case nil, .null?: return 900
        case .int(let number)?:
            guard (0...3600).contains(number) else { throw .argumentInvalid("duration", description) }
            return number
        case .string(let text)?:
            guard let number = Int(text), (0...3600).contains(number) else { throw .argumentInvalid("duration", description) }
            return number
        default: throw .argumentInvalid("duration", description)
        }
    }
}

extension AppwriteError {
    static let userNotFound = AppwriteError(status: 404, type: "user_not_found", message: "User with the requested ID could not be found.")
}
