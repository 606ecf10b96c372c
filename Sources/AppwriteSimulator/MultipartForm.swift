import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A `multipart/form-data` body split into its parts, as PHP hands them to Appwrite.
struct MultipartForm: Sendable {
    struct Part: Sendable {
        var name: String
        var fileName: String?
        var contentType: String?
        var data: [UInt8]
    }

    var parts: [Part]

    /// The text fields named `name` (`permissions[]` fields count as `permissions`).
    func values(_ name: String) -> [String] {
        parts.filter { $0.fileName == nil && ($0.name == name || $0.name.hasPrefix(name + "[")) }
            .map { String(decoding: $0.data, as: UTF8.self) }
    }

    func file(_ name: String) -> Part? { parts.first { $0.name == name && $0.fileName != nil } }

    /// The boundary parameter of a `multipart/form-data` content type.
    static func boundary(contentType: String) -> String? {
        let pieces = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard pieces.first?.lowercased() == "multipart/form-data" else { return nil }
        for piece in pieces.dropFirst() where piece.lowercased().hasPrefix("boundary=") {
            var value = String(piece.dropFirst("boundary=".count))
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value.isEmpty ? nil : value
        }
        return nil
    }

    /// nil when the body is not well-formed multipart.
    init?(body: [UInt8], boundary: String) {
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [Part] = []
        guard var cursor = Self.find(delimiter, in: body, from: 0) else { return nil }
        cursor += delimiter.count
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            if body.count >= cursor + 2, body[cursor] == UInt8(ascii: "-"), body[cursor + 1] == UInt8(ascii: "-") { break }
            guard body.count >= cursor + 2, body[cursor] == 13, body[cursor + 1] == 10 else { return nil }
            cursor += 2
            guard let headerEnd = Self.find(Array("\r\n\r\n".utf8), in: body, from: cursor) else { return nil }
            let headerText = String(decoding: body[cursor..<headerEnd], as: UTF8.self)
            let dataStart = headerEnd + 4
            guard let next = Self.find([13, 10] + delimiter, in: body, from: dataStart) else { return nil }
            guard var part = Self.parseHeaders(headerText) else { return nil }
            part.data = Array(body[dataStart..<next])
            parts.append(part)
            cursor = next + 2 + delimiter.count
        }
        self.parts = parts
    }

    private static func parseHeaders(_ text: String) -> Part? {
        var part = Part(name: "", data: [])
        var named = false
        for line in text.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name == "content-type" { part.contentType = value }
            guard name == "content-disposition" else { continue }
            for parameter in value.split(separator: ";").dropFirst() {
                let pair = parameter.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else { continue }
                var parameterValue = String(pair[1])
                if parameterValue.hasPrefix("\""), parameterValue.hasSuffix("\""), parameterValue.count >= 2 {
                    parameterValue = String(parameterValue.dropFirst().dropLast())
                }
                switch pair[0].lowercased() {
                case "name":
                    part.name = parameterValue
                    named = true
                case "filename": part.fileName = parameterValue
                default: break
                }
            }
        }
        return named ? part : nil
    }

    /// First index of `needle` in `haystack` at or after `start` (memchr and memcmp: chunks are
    /// 5 MiB and a byte-by-byte loop is slow in debug builds).
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, start >= 0, start <= haystack.count else { return nil }
        return haystack.withUnsafeBytes { hay -> Int? in
            needle.withUnsafeBytes { pattern -> Int? in
                guard let base = hay.baseAddress, let first = pattern.first, let patternBase = pattern.baseAddress else { return nil }
                var index = start
                while hay.count - index >= pattern.count {
                    guard let hit = memchr(base + index, Int32(first), hay.count - index - pattern.count + 1) else { return nil }
                    let offset = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + offset, patternBase, pattern.count) == 0 { return offset }
                    index = offset + 1
                }
                return nil
            }
        }
    }
}
