import Hummingbird

extension JSONResponse {
    /// Home Assistant's answer to an action: `[]`, or `{"changed_states": [], "service_response":
    /// <the Appwrite object>}` with the object spliced in byte for byte.
    static func serviceResponse(_ result: AppwriteResponse, returnResponse: Bool) -> Response {
        guard returnResponse else { return make(bytes: Array("[]".utf8)) }
        var body = Array(#"{"changed_states":[],"service_response":"#.utf8)
        body += result.body
        body.append(UInt8(ascii: "}"))
        return make(bytes: body)
    }

    /// 202 with the outbox's receipt: what was kept, under which ID, and why.
    static func receipt(_ receipt: OutboxReceipt) -> Response {
        var object = JSONObject([
            ("queued", .bool(true)),
            ("outbox_id", .number(String(receipt.outboxID))),
            ("project_id", .string(receipt.projectID)),
        ])
        switch receipt.request {
        case .execution(let execution): object["function_id"] = .string(execution.functionID)
        case .message(let message): object["message_id"] = .string(message.messageID)
        case .upload(let upload):
            object["bucket_id"] = .string(upload.file.bucketID)
            object["file_id"] = .string(upload.file.fileID)
            object["size"] = .number(String(upload.spool.size))
        }
        object["reason"] = .string(receipt.reason)
        return make(.object(object), status: .accepted)
    }
}
