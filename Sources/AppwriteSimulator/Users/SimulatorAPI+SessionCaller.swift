import HTTPTypes
import Hummingbird

extension SimulatorAPI {
    /// The user a REST call without a key acts for (app/init/resources/request.php `user`): the same
    /// cookie, `X-Appwrite-Session`, `x-fallback-cookies` and `x-appwrite-jwt` Realtime reads. A
    /// session that does not verify leaves a guest; a bad JWT is 401 `user_jwt_invalid`, a JWT with
    /// a session 403 `user_jwt_and_cookie_set`. The execution and document routes ask.
    func sessionUser(_ request: Request) async throws(AppwriteError) -> SimulatorConfig.User? {
        guard (request.headers[HTTPField.Name("X-Appwrite-Key")!] ?? "").isEmpty else { return nil }
        do {
            return try await RealtimeCaller.resolve(headers: request.headers, query: [:], config: config, users: users).user
        } catch {
            switch error.code {
            case 401: throw AppwriteError(status: 401, type: "user_jwt_invalid", message: error.message)
            case 403: throw AppwriteError(status: 403, type: "user_jwt_and_cookie_set", message: error.message)
            default: return nil
            }
        }
    }
}
