import Foundation

/// The bridge's stable identity, `bridge_id` in `GET /api/`: generated once and kept in
/// state_dir, so a client (Home Assistant's config entry) recognises the same bridge behind a new
/// URL or token, and refuses to add it twice.
public enum BridgeIdentity {
    public static let fileName = "bridge-id"

    public enum LoadError: Error, CustomStringConvertible {
        case unwritable(path: String, reason: String)

        public var description: String {
            switch self {
            case .unwritable(let path, let reason): "cannot keep the bridge's identity in \(path): \(reason)"
            }
        }
    }

    /// The identity kept in `directory`, created there on first use.
    public static func load(stateDirectory directory: String) throws(LoadError) -> String {
        let path = directory + "/" + fileName
        if let kept = try? String(contentsOfFile: path, encoding: .utf8), let identity = valid(kept) {
            return identity
        }
        let identity = UUID().uuidString.lowercased()
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            // Written whole then renamed, so a crash never leaves half an identity behind.
            try Data((identity + "\n").utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .unwritable(path: path, reason: "\(error)")
        }
        return identity
    }

    /// A kept identity is used as long as it still looks like one (a hand-edited file with
    /// something else in it gets a fresh identity rather than an error).
    public static func valid(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (8...64).contains(trimmed.count),
            trimmed.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) && $0.isASCII || $0 == "-" })
        else { return nil }
        return trimmed
    }
}
