import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

enum RequestBody {
    /// Reads at most `limit` bytes and parses them as JSON. No body at all counts as `{}`, so a
    /// bare `curl -X POST` gets a field-level error ("function_id is required") rather than a
    /// syntax error.
    static func json(_ request: Request, limit: Int) async throws(BridgeError) -> JSONValue {
        if let contentType = request.headers[.contentType], !isJSON(contentType) {
            throw .unsupportedMediaType(contentType)
        }
        var buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw .payloadTooLarge(limit: limit)
        }
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return .object(JSONObject()) }
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw .invalidJSON(error)
        }
    }

    static func isJSON(_ contentType: String) -> Bool {
        if contentType == "application/json" { return true }  // nearly every call: no splitting
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }
}
