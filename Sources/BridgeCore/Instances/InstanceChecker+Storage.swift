extension InstanceChecker {
    /// `storage: true` instances: files.write (uploads) and files.read (resuming one), each by a
    /// probe that stores nothing.
    func checkStorage(of instance: InstanceConfig, into health: inout InstanceHealth) async throws(AppwriteClientError) {
        guard instance.storage != nil else { return }
        let write = Self.fileScopeOutcome(try await client.probeFileWriteScope(of: instance), scope: "files.write")
        health.storage = CapabilityHealth(state: write.state, reason: write.reason.map { $0 + " (uploads need it)" })
        let read = Self.fileScopeOutcome(try await client.probeFileReadScope(of: instance), scope: "files.read")
        health.storageRead = CapabilityHealth(
            state: read.state,
            reason: read.reason.map { $0 + " (resuming an upload whose answer was lost needs it)" }
        )
    }

    /// Past the scope check Appwrite refuses the probe's IDs (400); a server that looks them up
    /// first answers 404 for the bucket or file: either way the key has the scope.
    static func fileScopeOutcome(_ response: AppwriteResponse, scope: String) -> (state: InstanceState, reason: String?) {
        if response.status == 404, let type = response.error?.type, type == "storage_bucket_not_found" || type == "storage_file_not_found" {
            return (.ok, nil)
        }
        return scopeOutcome(response, scope: scope)
    }
}
