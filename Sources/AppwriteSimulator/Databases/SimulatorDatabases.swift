/// The documents of every collection of every project, each collection numbering its documents
/// (`$sequence`) from 1 as MariaDB's auto-increment `_id` does.
public actor SimulatorDatabases {
    struct Documents: Sendable {
        var nextSequence = 1
        var documents: [String: StoredDocument] = [:]
        /// IDs in `$sequence` order.
        var order: [String] = []

        var all: [StoredDocument] { order.compactMap { documents[$0] } }

        mutating func insert(_ document: StoredDocument) {
            documents[document.id] = document
            order.append(document.id)
        }

        mutating func remove(_ id: String) {
            documents[id] = nil
            order.removeAll { $0 == id }
        }
    }

    private var collections: [String: Documents] = [:]

    public init() {}

    public func reset() { collections = [:] }

    /// Runs `body` on one collection's documents in one actor turn, so a check and the change it
    /// allows cannot interleave with another request's.
    func withCollection<T: Sendable>(
        projectID: String,
        databaseID: String,
        collectionID: String,
        _ body: @Sendable (inout Documents) throws -> T
    ) rethrows -> T {
        let key = "\(projectID)/\(databaseID)/\(collectionID)"
        // Taken out, not copied: a copy would share its tables with the one left in
        // `collections`, and the first change would copy every document (each create cost a
        // collection's size: 10,000 creates took 10 s of CPU, the next 10,000 took 18).
        var collection = collections.removeValue(forKey: key) ?? Documents()
        defer { collections[key] = collection }
        return try body(&collection)
    }
}
