import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// An Appwrite-compatible endpoint for Appwrite's own SDKs: `/v1/functions/{id}/executions`,
/// `/v1/functions/{id}/executions/{id}` and `/v1/health`. The caller's "API key" is a bridge
/// token; the request goes on to the instance named by `X-Appwrite-Project` with the instance's
/// real key, and Appwrite's answer comes back unchanged. Devices on the LAN never hold a key.
struct AppwriteGateway {
    let state: BridgeState
    let client: AppwriteClient
    let tracker: ExecutionTracker
    let logger: Logger

    /// A refusal in Appwrite's own error envelope, so SDKs raise their usual exception.
    struct Refusal: Error {
        var status: Int
        var type: String
        var message: String

        var response: Response {
            let body = JSONObject([
                ("message", .string(message)),
                ("code", .number(String(status))),
                ("type", .string(type)),
                ("version", .string(BridgeVersion.current)),
            ])
            return JSONResponse.make(.object(body), status: .init(code: status))
        }
    }

    func register(on router: Router<BridgeRequestContext>) {
        router.post("/v1/functions/:functionId/executions") { request, context in
            await answer {
                let functionID = try context.parameters.require("functionId")
                let (instance, _) = try authorize(request, functionID: functionID)
                let body = try await collect(request)
                var headers: [(String, String)] = []
                if let contentType = request.headers[.contentType] { headers.append(("Content-Type", contentType)) }
                let response = try await forward(
                    .POST,
                    "/functions/\(functionID)/executions",
                    body: body,
                    request: request,
                    headers: headers,
                    to: instance
                )
                if response.status == 201 || response.status == 202 {
                    tracker.created(response, functionID: functionID, instance: instance, callbackURL: nil, willWait: false)
                    logger.info(
                        "execution created through the gateway",
                        metadata: [
                            "project_id": "\(instance.projectID)", "function_id": "\(functionID)", "upstream_status": "\(response.status)",
                        ]
                    )
                }
                return response
            }
        }
        router.get("/v1/functions/:functionId/executions/:executionId") { request, context in
            await answer {
                let functionID = try context.parameters.require("functionId")
                let executionID = try context.parameters.require("executionId")
                let (instance, _) = try authorize(request, functionID: functionID)
                return try await forward(
                    .GET,
                    "/functions/\(functionID)/executions/\(executionID)",
                    body: nil,
                    request: request,
                    to: instance
                )
            }
        }
        router.get("/v1/health") { request, _ in
            await answer {
                let (instance, _) = try authorize(request, functionID: nil)
                return try await forward(.GET, "/health", body: nil, request: request, to: instance)
            }
        }
    }

    private func answer(_ body: () async throws -> AppwriteResponse) async -> Response {
        do {
            let upstream = try await body()
            return Response(
                status: .init(code: upstream.status),
                headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: upstream.body))
            )
        } catch let refusal as Refusal {
            return refusal.response
        } catch {
            return Refusal(status: 500, type: "general_unknown", message: "the bridge failed to handle the request").response
        }
    }

    /// The Appwrite order: project, key, scope.
    private func authorize(_ request: Request, functionID: String?) throws -> (InstanceConfig, AccessToken?) {
        let config = state.current.config
        guard let projectID = request.headers[HTTPField.Name("X-Appwrite-Project")!], !projectID.isEmpty else {
            throw Refusal(
                status: 400,
                type: "project_id_missing",
                message: "Project ID missing: set X-Appwrite-Project to a project ID in bridge.yaml."
            )
        }
        guard let instance = config.instance(projectID: projectID) else {
            throw Refusal(
                status: 404,
                type: "project_not_found",
                message: "Project with the requested ID '\(projectID)' is not configured in the bridge."
            )
        }
        var token: AccessToken?
        if config.requiresToken {
            let presented =
                request.headers[HTTPField.Name("X-Appwrite-Key")!]
                ?? request.headers[.authorization].flatMap { header -> String? in
                    let parts = header.split(separator: " ", maxSplits: 1)
                    return parts.count == 2 && parts[0].lowercased() == "bearer" ? String(parts[1]) : nil
                }
            guard let presented else {
                throw Refusal(
                    status: 401,
                    type: "general_unauthorized_scope",
                    message: "Send a bridge token as the API key (X-Appwrite-Key)."
                )
            }
            token = config.token(matching: presented)
            guard token != nil else {
                throw Refusal(
                    status: 401,
                    type: "user_unauthorized",
                    message: "The current user is not authorized to perform the requested action."
                )
            }
        }
        if let token, !token.instances.allows(projectID) {
            throw Refusal(
                status: 401,
                type: "general_unauthorized_scope",
                message: "Bridge token '\(token.name)' may not use project '\(projectID)'."
            )
        }
        if let functionID {
            if let token, !token.functions.allows(functionID) {
                throw Refusal(
                    status: 401,
                    type: "general_unauthorized_scope",
                    message: "Bridge token '\(token.name)' may not execute function '\(functionID)'."
                )
            }
            if !instance.functions.allows(functionID) {
                throw Refusal(
                    status: 401,
                    type: "general_unauthorized_scope",
                    message: "Function '\(functionID)' is not in the functions list of project '\(projectID)' in bridge.yaml."
                )
            }
        }
        return (instance, token)
    }

    private func collect(_ request: Request) async throws -> [UInt8] {
        let limit = state.current.config.limits.maximumBodyBytes
        var request = request
        do {
            var buffer = try await request.collectBody(upTo: limit)
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch {
            throw Refusal(status: 413, type: "general_argument_invalid", message: "The request body is larger than \(limit) bytes.")
        }
    }

    private func forward(
        _ method: HTTPMethod,
        _ path: String,
        body: [UInt8]?,
        request: Request,
        headers: [(String, String)] = [],
        to instance: InstanceConfig
    ) async throws -> AppwriteResponse {
        var headers = headers
        if let format = request.headers[HTTPField.Name("X-Appwrite-Response-Format")!] {
            headers.append(("X-Appwrite-Response-Format", format))
        }
        do {
            return try await client.forward(method, path, body: body, headers: headers, to: instance)
        } catch {
            let status = error.isTimeout ? 504 : 502
            throw Refusal(
                status: status,
                type: "bridge_upstream_unavailable",
                message: "Appwrite instance '\(instance.projectID)': \(error.reason)"
            )
        }
    }
}
