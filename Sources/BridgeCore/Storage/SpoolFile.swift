import Foundation
import NIOCore

/// An upload's bytes on disk, so that only one chunk is ever in memory and an upload Appwrite
/// cannot take now can wait in the outbox. Files live in `<state_dir>/uploads/`.
public struct SpoolFile: Sendable, Equatable {
    public let path: String
    public let size: Int

    public init(path: String, size: Int) {
        self.path = path
        self.size = size
    }

    static func directory(stateDirectory: String) -> String { stateDirectory + "/uploads" }

    /// Writes a stream of buffers to a new spool file, fsync'd before returning. Throws
    /// `.payloadTooLarge` (and removes the file) as soon as the stream passes `limit`.
    static func write<S: AsyncSequence>(_ body: S, stateDirectory: String, limit: Int) async throws -> SpoolFile
    where S.Element == ByteBuffer {
        let folder = directory(stateDirectory: stateDirectory)
        try PrivateFiles.makeFolder(stateDirectory)
        try PrivateFiles.makeFolder(folder)
        let path = folder + "/\(UUID().uuidString.lowercased()).part"
        guard (try? PrivateFiles.makeFile(path)) != nil, let handle = FileHandle(forWritingAtPath: path)
        else { throw BridgeError.internalError("cannot create a spool file in \(folder)") }
        var size = 0
        do {
            for try await buffer in body {
                size += buffer.readableBytes
                if size > limit { throw BridgeError.payloadTooLarge(limit: limit) }
                try handle.write(contentsOf: buffer.withUnsafeReadableBytes { Data($0) })
            }
            try handle.synchronize()
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
        return SpoolFile(path: path, size: size)
    }

    static func write(_ bytes: [UInt8], stateDirectory: String, limit: Int) async throws -> SpoolFile {
        try await write(OneBuffer(buffer: ByteBuffer(bytes: bytes)), stateDirectory: stateDirectory, limit: limit)
    }

    /// `count` bytes from `offset`.
    func read(offset: Int, count: Int) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CocoaError(.fileReadNoSuchFile) }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        let data = try handle.read(upToCount: count) ?? Data()
        guard data.count == count else { throw CocoaError(.fileReadCorruptFile) }
        return Array(data)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// Removes spool files no queue row names any more (an item deleted through the API, or
    /// dropped for its age) once they are an hour old, so uploads still in flight are left alone.
    static func sweep(stateDirectory: String, keeping kept: Set<String>, now: Date = Date()) {
        let folder = directory(stateDirectory: stateDirectory)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasSuffix(".part") {
            let path = folder + "/" + name
            guard !kept.contains(path),
                let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
                now.timeIntervalSince(modified) > 3_600
            else { continue }
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}

/// A one-element async sequence, so inline bytes take the same road as a streamed body.
private struct OneBuffer: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let buffer: ByteBuffer

    struct AsyncIterator: AsyncIteratorProtocol {
        var buffer: ByteBuffer?
        mutating func next() async -> ByteBuffer? {
            defer { buffer = nil }
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(buffer: buffer) }
}
