extension ServiceCatalog {
    static func uploadFileService(_ instance: InstanceConfig) -> JSONValue {
        .object(
            JSONObject([
                ("name", .string("Upload file to \(instance.name)")),
                (
                    "description",
                    .string(
                        "Stores a file in an Appwrite Storage bucket of project \(instance.projectID), from base64 content or a URL on fetch.allowed_hosts."
                    )
                ),
                ("fields", uploadFileFields),
                ("response", ["optional": true]),
            ])
        )
    }

    static let uploadFileFields: JSONValue = .object(
        JSONObject([
            field("bucket_id", "Bucket ID", "ID of the Storage bucket.", required: true, example: "snapshots", selector: ["text": [:]]),
            field(
                "file_id",
                "File ID",
                "ID of the new file; unique() has the bridge pick one before the first attempt.",
                example: "doorbell-1",
                selector: ["text": [:]],
                defaultValue: "unique()"
            ),
            field(
                "file_name",
                "File name",
                "Name of the file; its extension is checked against the bucket's allowed extensions.",
                required: true,
                example: "doorbell.jpg",
                selector: ["text": [:]]
            ),
            field(
                "content_base64",
                "Content (base64)",
                "The file's bytes, base64-encoded. Give this or source_url.",
                example: "iVBORw0KGgo=",
                selector: ["text": ["multiline": true]]
            ),
            field(
                "source_url",
                "Source URL",
                "The bridge fetches the file from this URL (its host must be on fetch.allowed_hosts). Give this or content_base64.",
                example: "http://homeassistant.local:8123/api/camera_proxy/camera.front_door",
                selector: ["text": ["type": "url"]]
            ),
            field(
                "content_type",
                "Content type",
                "Media type of the file; guessed from the file name's extension when left out.",
                example: "image/jpeg",
                selector: ["text": [:]]
            ),
            field(
                "permissions",
                "Permissions",
                "Appwrite permission strings for the file, e.g. read(\"any\") or update(\"user:abc\").",
                example: "[\"read(\\\"any\\\")\"]",
                selector: ["object": [:]]
            ),
        ])
    )
}
