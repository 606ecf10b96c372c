extension ConfigError {
    /// How the API shows a configuration that did not load: `POST /api/reload`'s error and the
    /// reload state in `/readyz` and `/api/instances`.
    var document: JSONValue {
        .object(
            JSONObject([
                ("code", "invalid_config"),
                ("message", .string(description)),
                ("file", .string(file)),
                ("line", line.map { .number(String($0)) } ?? .null),
                ("column", column.map { .number(String($0)) } ?? .null),
            ])
        )
    }
}
