import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore

/// Sends one request to the simulator under test and decodes the JSON object it answers with.
/// A body goes with `contentType` (JSON unless told otherwise).
func sendToSimulator(
    _ client: any TestClientProtocol,
    _ method: HTTPRequest.Method,
    _ path: String,
    project: String?,
    key: String?,
    body: String?,
    contentType: String = "application/json"
) async throws -> (status: Int, body: [String: Any]) {
    var headers: HTTPFields = [:]
    if let project { headers[HTTPField.Name("X-Appwrite-Project")!] = project }
    if let key { headers[HTTPField.Name("X-Appwrite-Key")!] = key }
    if body != nil { headers[.contentType] = contentType }
    let response = try await client.execute(
        uri: path,
        method: method,
        headers: headers,
        body: body.map { ByteBuffer(string: $0) }
    )
    let object = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any] ?? [:]
    return (Int(response.status.code), object)
}
