import Foundation
import Hummingbird

/// Test controls for Realtime, outside Appwrite's paths (`test_controls: false` turns them off):
/// see what is connected and how often clients connect, drop every connection as a restart
/// would, refuse upgrades for a while as an unreachable server would, and end a user's sessions. `GET /v1/realtime`
/// without an upgrade answers 503 while refusing, else 426.
extension SimulatorAPI {
    var realtime: RealtimeHub { state.realtime }

    func registerRealtimeControls(on router: Router<BasicRequestContext>) {
        router.get("/v1/realtime") { _, _ in
            let refusing = await realtime.statistics().refusingUntil != nil
            return Response(
                status: refusing ? .serviceUnavailable : .upgradeRequired,
                headers: [.contentType: "text/plain"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: refusing ? "Service Unavailable" : "Upgrade Required"))
            )
        }
        guard config.testControls else { return }
        router.get("/_simulator/realtime") { _, _ in try encode(await realtime.statistics(), status: .ok) }
        router.post("/_simulator/realtime/drop") { _, _ in json(["dropped": await realtime.dropAll()]) }
        // Sessions end (as a user's logout or an admin's revocation would): the next handshake with
        // one of them is a guest, while open connections keep their roles (RT7).
        router.delete("/_simulator/users/:projectId/:userId/sessions") { _, context in
            await users.deleteSessions(
                projectID: try context.parameters.require("projectId"),
                userID: try context.parameters.require("userId")
            )
            return Response(status: .noContent)
        }
        router.post("/_simulator/realtime/refuse") { request, _ in
            let seconds = request.uri.queryParameters["seconds"].flatMap { Double(String($0)) } ?? 60
            let until = await realtime.refuseUpgrades(for: seconds)
            return json(["refusingUntil": AppwriteDate.string(until)])
        }
    }
}
