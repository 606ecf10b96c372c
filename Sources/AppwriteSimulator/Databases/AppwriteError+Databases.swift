/// The Databases API's errors (app/config/errors.php, 1.9.6).
extension AppwriteError {
    static func databaseNotFound(_ id: String) -> AppwriteError {
        AppwriteError(status: 404, type: "database_not_found", message: "Database with the requested ID '\(id)' could not be found.")
    }
    static func collectionNotFound(_ id: String) -> AppwriteError {
        AppwriteError(status: 404, type: "collection_not_found", message: "Collection with the requested ID '\(id)' could not be found.")
    }
    static func documentNotFound(_ id: String) -> AppwriteError {
        AppwriteError(status: 404, type: "document_not_found", message: "Document with the requested ID '\(id)' could not be found.")
    }
    static func documentAlreadyExists(_ id: String) -> AppwriteError {
        AppwriteError(
            status: 409,
            type: "document_already_exists",
            message:
                "Document with the requested ID '\(id)' already exists. Try again with a different ID or use ID.unique() to generate a unique ID."
        )
    }
    static let documentMissingData = AppwriteError(
        status: 400,
        type: "document_missing_data",
        message: "The document data is missing. Try again with document data populated"
    )
    static let documentIDRequired = AppwriteError(
        status: 400,
        type: "document_missing_data",
        message: "Document ID is required when creating a single document."
    )
    static let documentMissingPayload = AppwriteError(
        status: 400,
        type: "document_missing_payload",
        message:
            "The document data and permissions are missing. You must provide either document data or permissions to be updated."
    )
    static func documentInvalidStructure(_ reason: String) -> AppwriteError {
        AppwriteError(status: 400, type: "document_invalid_structure", message: "Invalid document structure: \(reason)")
    }
    static func generalQueryInvalid(_ message: String) -> AppwriteError {
        AppwriteError(status: 400, type: "general_query_invalid", message: message)
    }
    static func cursorNotFound(_ id: String) -> AppwriteError {
        AppwriteError(status: 400, type: "general_cursor_not_found", message: "Document '\(id)' for the 'cursor' value not found.")
    }
}
