import NIOHTTP1

extension AppwriteClient {
    /// files.write without storing anything: createFile in a bucket whose ID Appwrite refuses as a
    /// parameter, which it checks only after the scope (401 without it, 400 with it).
    public func probeFileWriteScope(of instance: InstanceConfig) async throws(AppwriteClientError) -> AppwriteResponse {
        try await send(.POST, "/storage/buckets/\(Self.scopeProbeFunctionID)/files", body: Array("{}".utf8), to: instance)
    }

    /// files.read, which resuming a half-finished upload needs: getFile with the same invalid IDs.
    public func probeFileReadScope(of instance: InstanceConfig) async throws(AppwriteClientError) -> AppwriteResponse {
        try await send(
            .GET,
            "/storage/buckets/\(Self.scopeProbeFunctionID)/files/\(Self.scopeProbeFunctionID)",
            body: nil,
            to: instance
        )
    }
}
