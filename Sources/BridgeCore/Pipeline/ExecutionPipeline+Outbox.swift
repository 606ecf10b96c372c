import Logging

extension ExecutionPipeline {
    static let behindQueueReason = "earlier calls for this instance are still queued"

    /// Why a failed call is worth queueing, or nil when retrying cannot help; and whether the
    /// failed attempt may have reached Appwrite (a lost answer; a 5xx from a proxy in front).
    static func outboxReason(for error: BridgeError) -> (reason: String, mayHaveReached: Bool)? {
        switch error {
        case .upstreamFailed(_, let failure):
            return (failure.reason, failure.mayHaveReachedAppwrite)
        case .upstreamRejected(_, let response):
            guard Outbox.retryableStatuses.contains(response.status) else { return nil }
            return ("Appwrite answered HTTP \(response.status)" + (response.error.map { " \($0.type)" } ?? ""), true)
        default:
            return nil
        }
    }

    /// Keeps a call for `OutboxDelivery`. Uploads also count against `outbox.max_bytes` (their
    /// bytes are already fsync'd in the spool file). Messages and files carry the concrete ID
    /// `run` gave them before the first attempt, so a resend meets Appwrite's duplicate check.
    func queue(_ item: OutboxRequest, on instance: InstanceConfig, reason: String, mayExist: Bool = false) async throws(BridgeError)
        -> OutboxReceipt
    {
        guard let outbox else { throw .outboxUnavailable(projectID: instance.projectID, reason: "no outbox in this process") }
        if case .upload(let upload) = item {
            try await checkRoom(for: upload, in: outbox, instance: instance)
        }
        let id: Int64
        do {
            id = try await outbox.enqueue(item, projectID: instance.projectID, reason: reason, mayExist: mayExist)
        } catch {
            if case .upload(let upload) = item { upload.spool.remove() }
            logger.error(
                "\(item.kind) lost: Appwrite is unreachable and the outbox cannot store it",
                metadata: [
                    "project_id": "\(instance.projectID)", "kind": "\(item.kind)", "target_id": "\(item.targetID)", "error": "\(error)",
                ]
            )
            throw .outboxUnavailable(projectID: instance.projectID, reason: "\(error)")
        }
        logger.notice(
            "\(item.kind) queued in the outbox",
            metadata: [
                "outbox_id": "\(id)", "project_id": "\(instance.projectID)", "kind": "\(item.kind)", "target_id": "\(item.targetID)",
                "reason": "\(reason)",
            ]
        )
        return OutboxReceipt(outboxID: id, projectID: instance.projectID, request: item, reason: reason)
    }

    /// 507 past `outbox.max_bytes`; spool files no queue row names any more are swept first.
    private func checkRoom(for upload: QueuedUpload, in outbox: Outbox, instance: InstanceConfig) async throws(BridgeError) {
        let settings = state?.current.config.outbox
        let queuedBytes: Int
        do {
            let queued = try await outbox.store.all().compactMap { item -> SpoolFile? in
                if case .upload(let upload) = item.request { return upload.spool }
                return nil
            }
            if let settings {
                SpoolFile.sweep(stateDirectory: settings.stateDirectory, keeping: Set(queued.map(\.path) + [upload.spool.path]))
            }
            queuedBytes = queued.reduce(0) { $0 + $1.size }
        } catch {
            upload.spool.remove()
            throw .outboxUnavailable(projectID: instance.projectID, reason: "\(error)")
        }
        let limit = settings?.maximumBytes ?? .max
        guard queuedBytes + upload.spool.size <= limit else {
            upload.spool.remove()
            logger.error(
                "upload lost: Appwrite is unreachable and the outbox is full",
                metadata: ["project_id": "\(instance.projectID)", "bucket_id": "\(upload.file.bucketID)", "bytes": "\(upload.spool.size)"]
            )
            throw .outboxFull(limit: limit)
        }
    }
}
