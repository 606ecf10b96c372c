import Foundation
import Hummingbird

/// updateFile and deleteFile (src/Appwrite/Platform/Modules/Storage/Http/Buckets/Files/{Update,Delete}.php),
/// each published to Realtime on `files`, `buckets.<B>.files` and `buckets.<B>.files.<F>`.
extension SimulatorAPI {
    func registerFileChanges(on router: Router<BasicRequestContext>) {
        router.put("/v1/storage/buckets/:bucketId/files/:fileId") { request, context in
            let project = try authorize(request, anyOf: ["files.write"])
            let (bucket, fileID) = try fileRoute(project, context)
            let parameters = try await requestParameters(request)
            var name: String?
            if let given = parameters["name"], given != .null {
                guard UtopiaValidators.text(given, length: 255, min: 0), case .string(let text) = given else {
                    throw AppwriteError.argumentInvalid("name", UtopiaValidators.textDescription(length: 255, min: 0))
                }
                name = text
            }
            var permissions: [String]?
            if let given = parameters["permissions"], given != .null {
                if let problem = PermissionRules.problem(inJSON: given) { throw AppwriteError.argumentInvalid("permissions", problem) }
                if case .list(let items) = given {
                    permissions = PermissionRules.aggregate(items.compactMap { if case .string(let text) = $0 { text } else { nil } })
                }
            }
            guard
                let file = await storage.update(
                    projectID: project.id,
                    bucketID: bucket.id,
                    fileID: fileID,
                    name: name,
                    permissions: permissions,
                    now: AppwriteDate.string(Date())
                )
            else { throw AppwriteError.storageFileNotFound }
            await state.realtime.publish(RealtimeEvents.file(.update, file, bucket: bucket, projectID: project.id))
            return try encode(file, status: .ok)
        }
        router.delete("/v1/storage/buckets/:bucketId/files/:fileId") { request, context in
            let project = try authorize(request, anyOf: ["files.write"])
            let (bucket, fileID) = try fileRoute(project, context)
            guard let file = await storage.delete(projectID: project.id, bucketID: bucket.id, fileID: fileID) else {
                throw AppwriteError.storageFileNotFound
            }
            await state.realtime.publish(RealtimeEvents.file(.delete, file, bucket: bucket, projectID: project.id))
            return Response(status: .noContent)
        }
    }

    private func fileRoute(_ project: SimulatorConfig.Project, _ context: BasicRequestContext) throws -> (SimulatorConfig.Bucket, String) {
        let bucketID = try context.parameters.require("bucketId")
        guard UtopiaValidators.uid(bucketID) else { throw AppwriteError.argumentInvalid("bucketId", UtopiaValidators.uidDescription) }
        let fileID = try context.parameters.require("fileId")
        guard UtopiaValidators.uid(fileID) else { throw AppwriteError.argumentInvalid("fileId", UtopiaValidators.uidDescription) }
        guard let bucket = project.buckets.first(where: { $0.id == bucketID }) else { throw AppwriteError.storageBucketNotFound }
        return (bucket, fileID)
    }
}
