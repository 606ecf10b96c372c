/// A payload field the bridge refuses before any upstream call.
public struct PayloadError: Error, Sendable, Equatable {
    /// The payload field at fault (`function_headers.X-Foo` for one header); nil for the whole body.
    public var field: String?
    public var message: String

    public init(field: String?, _ message: String) {
        self.field = field
        self.message = message
    }
}
