/// Storage errors, with the types and messages of server 1.9 (app/config/errors.php, and the
/// messages createFile passes explicitly).
extension AppwriteError {
    static let storageBucketNotFound = AppwriteError(
        status: 404,
        type: "storage_bucket_not_found",
        message: "Storage bucket with the requested ID could not be found."
    )
    static let storageFileNotFound = AppwriteError(
        status: 404,
        type: "storage_file_not_found",
        message: "The requested file could not be found."
    )
    static let storageFileAlreadyExists = AppwriteError(
        status: 409,
        type: "storage_file_already_exists",
        message: "A storage file with the requested ID already exists."
    )
    static let storageFileEmpty = AppwriteError(
        status: 400,
        type: "storage_file_empty",
        message: "Empty file passed to the endpoint."
    )
    static let storageInvalidContentRange = AppwriteError(
        status: 400,
        type: "storage_invalid_content_range",
        message: "The content range is invalid. Please check the value of the Content-Range header."
    )
    static let storageInvalidAppwriteID = AppwriteError(
        status: 400,
        type: "storage_invalid_appwrite_id",
        message:
            "The value for x-appwrite-id header is invalid. Please check the value of the x-appwrite-id header is a valid id and not unique()."
    )
    static let storageFileTypeUnsupported = AppwriteError(
        status: 400,
        type: "storage_file_type_unsupported",
        message: "File extension not allowed"
    )
    static let storageInvalidFileSize = AppwriteError(
        status: 400,
        type: "storage_invalid_file_size",
        message: "File size not allowed"
    )
}
