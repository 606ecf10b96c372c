import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// `appwrite-bridge upload`: one file into a bucket, through a running bridge's raw route or
/// straight to Appwrite with bridge.yaml's key. Either way the file is read in pieces, never whole.
public enum OneShotUpload {
    public struct Result: Sendable {
        /// 0 stored, 1 failed, 3 queued in the bridge's outbox.
        public var exitCode: Int32
        /// The File object (or the queue receipt) to print.
        public var output: String
        public var message: String?
    }

    public static func viaBridge(
        _ baseURL: String,
        projectID: String,
        bucketID: String,
        path: String,
        fileName: String,
        fileID: String?,
        token: String?
    ) async -> Result {
        let trimmed = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        guard let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue else {
            return Result(exitCode: 1, output: "", message: "cannot read '\(path)'")
        }
        var query = URLComponents()
        query.queryItems =
            [URLQueryItem(name: "file_name", value: fileName)] + (fileID.map { [URLQueryItem(name: "file_id", value: $0)] } ?? [])
        let encoded = query.percentEncodedQuery ?? ""
        var request = HTTPClientRequest(url: "\(trimmed)/api/files/\(projectID)/\(bucketID)?\(encoded)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: MediaTypes.guess(fileName: fileName))
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.body = .stream(FilePieces(path: path), length: .known(Int64(size)))
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(3_600))
            var buffer = try await response.body.collect(upTo: 1 << 20)
            let body = buffer.readString(length: buffer.readableBytes) ?? ""
            switch response.status.code {
            case 200, 201: return Result(exitCode: 0, output: body)
            case 202: return Result(exitCode: 3, output: body, message: "queued in the bridge's outbox")
            default:
                let envelope = (try? JSONParser.parse(body)) ?? .null
                return Result(
                    exitCode: 1,
                    output: "",
                    message: ErrorLine.describe(status: Int(response.status.code), envelope: envelope, fallback: body)
                )
            }
        } catch {
            return Result(exitCode: 1, output: "", message: "cannot reach the bridge at \(trimmed): \(AppwriteClient.describe(error))")
        }
    }

    /// Straight to Appwrite in the SDKs' chunked protocol; the file itself serves as the spool.
    public static func direct(
        config: BridgeConfig,
        projectID: String,
        bucketID: String,
        path: String,
        fileName: String,
        fileID: String?
    ) async -> Result {
        guard let instance = config.instance(projectID: projectID) else {
            return Result(exitCode: 1, output: "", message: "no instance with project ID '\(projectID)' in the configuration")
        }
        guard let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue, size > 0 else {
            return Result(exitCode: 1, output: "", message: "cannot read '\(path)', or it is empty")
        }
        var object = JSONObject([("bucket_id", .string(bucketID)), ("file_name", .string(fileName)), ("content_base64", "AA==")])
        if let fileID { object["file_id"] = .string(fileID) }
        let file: UploadFileRequest
        do {
            file = try UploadFilePayload.translate(.object(object)).0
        } catch {
            return Result(exitCode: 1, output: "", message: "\(error.field.map { "\($0): " } ?? "")\(error.message)")
        }
        let httpClient = AppwriteClient.makeHTTPClient()
        let quiet = Logger(label: "appwrite-bridge-upload") { _ in SwiftLogNoOpLogHandler() }
        let pipeline = ExecutionPipeline.standalone(client: AppwriteClient(httpClient: httpClient), logger: quiet)
        let call = PipelineCall(
            origin: .commandLine,
            config: config,
            instance: instance,
            request: .upload(QueuedUpload(file: file, spool: SpoolFile(path: path, size: size)))
        )
        let result = await run(call, through: pipeline)
        try? await httpClient.shutdown()
        return result
    }

    private static func run(_ call: PipelineCall, through pipeline: ExecutionPipeline) async -> Result {
        do {
            guard case .answered(let response) = try await pipeline.run(call) else {
                return Result(exitCode: 1, output: "", message: "not stored")
            }
            return Result(exitCode: 0, output: String(decoding: response.body, as: UTF8.self))
        } catch {
            return Result(exitCode: 1, output: "", message: ErrorLine.describe(error))
        }
    }
}

/// A file read in 256 KiB pieces as it is sent.
struct FilePieces: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let path: String

    struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle?
        mutating func next() async throws -> ByteBuffer? {
            guard let handle, let data = try handle.read(upToCount: 256 * 1024), !data.isEmpty else {
                try? handle?.close()
                return nil
            }
            return ByteBuffer(bytes: data)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: FileHandle(forReadingAtPath: path)) }
}
