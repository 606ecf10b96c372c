/// A problem in bridge.yaml (or a secret it points to), located as precisely as YAML allows.
///
/// `description` is the one line an operator reads: `bridge.yaml:12:7: instances[1].url: …`, the
/// format editors and `grep -n` understand.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    /// Where in the document, e.g. `instances[1].api_key_file`; empty for the whole file.
    public var path: String
    public var message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, path: String = "", message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    public var location: String {
        switch (line, column) {
        case (let line?, let column?): "\(file):\(line):\(column)"
        case (let line?, nil): "\(file):\(line)"
        default: file
        }
    }

    public var description: String {
        path.isEmpty ? "\(location): \(message)" : "\(location): \(path): \(message)"
    }
}

/// A located problem found while decoding, before the file name is known to the decoder.
struct ConfigIssue: Error {
    var line: Int?
    var column: Int?
    var path: String
    var message: String

    func located(in file: String) -> ConfigError {
        ConfigError(file: file, line: line, column: column, path: path, message: message)
    }
}
