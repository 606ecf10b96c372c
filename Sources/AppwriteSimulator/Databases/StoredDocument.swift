/// A document as the simulator keeps it: Appwrite's system attributes, then the data in the
/// order it was written.
struct StoredDocument: Sendable {
    var id: String
    var sequence: Int
    var databaseID: String
    var collectionID: String
    var createdAt: String
    var updatedAt: String
    var permissions: [String]
    var data: [(key: String, value: PHPValue)]

    /// Appwrite's Document model (src/Appwrite/Utopia/Response/Model/Document.php): `$sequence` is
    /// a string there, and the attributes follow the system ones.
    var model: PHPValue {
        .object(
            [
                ("$id", .string(id)), ("$sequence", .string(String(sequence))), ("$collectionId", .string(collectionID)),
                ("$databaseId", .string(databaseID)), ("$createdAt", .string(createdAt)), ("$updatedAt", .string(updatedAt)),
                ("$permissions", .strings(permissions)),
            ] + data
        )
    }

    /// What a query compares: system attributes by their stored type, data as given; nil when absent.
    func value(of attribute: String) -> PHPValue? {
        switch attribute {
        case "$id": .string(id)
        case "$sequence": .int(sequence)
        case "$createdAt": .string(createdAt)
        case "$updatedAt": .string(updatedAt)
        case "$collectionId": .string(collectionID)
        case "$databaseId": .string(databaseID)
        default: data.last { $0.key == attribute }?.value
        }
    }

    /// Writes the given attributes over the stored ones; true when anything changed.
    mutating func merge(_ changes: [(key: String, value: PHPValue)]) -> Bool {
        var changed = false
        for change in changes {
            if let index = data.firstIndex(where: { $0.key == change.key }) {
                if data[index].value != change.value {
                    data[index].value = change.value
                    changed = true
                }
            } else {
                data.append(change)
                changed = true
            }
        }
        return changed
    }
}
