import Foundation
import Synchronization

/// Event names as Appwrite generates them (src/Appwrite/Event/Event.php `generateEvents`,
/// `parseEventPattern`, `mirrorCollectionEvents`): the specific name first, then every wildcard
/// and parent form, each document name mirrored to its tables/rows twin. The loops follow
/// Appwrite's, so the order is Appwrite's too.
enum EventNames {
    /// `pattern` like `databases.[databaseId].collections.[collectionId].documents.[documentId].create`;
    /// `params` in the order Appwrite sets them (their names without brackets).
    static func generate(_ pattern: String, params: [(key: String, value: String)]) -> [String] {
        let keys = params.map(\.key)
        let cacheKey = ([pattern] + keys).joined(separator: "|")
        let cached = templates.withLock { $0[cacheKey] }
        let names = cached ?? templates(pattern, keys: keys)
        if cached == nil { templates.withLock { $0[cacheKey] = names } }
        // The values go in last, segment by segment: each `[key]` is a whole segment of a name.
        let values = Dictionary(params.map { ("[\($0.key)]", $0.value) }, uniquingKeysWith: { first, _ in first })
        let named = names.map { name in segments(of: name).map { values[$0] ?? $0 }.joined(separator: ".") }
        return mirror(pattern, unique(named.map(withoutBrackets)))
    }

    /// By bytes: splitting or replacing in the String itself walks it character by character,
    /// which was a third of the simulator's CPU per created document.
    private static func segments(of name: String) -> [String] {
        name.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).map { String(Substring($0)) }
    }

    private static func withoutBrackets(_ name: String) -> String {
        guard name.utf8.contains(where: { $0 == UInt8(ascii: "[") || $0 == UInt8(ascii: "]") }) else { return name }
        return String(decoding: name.utf8.filter { $0 != UInt8(ascii: "[") && $0 != UInt8(ascii: "]") }, as: UTF8.self)
    }

    /// The names with the keys still in place (`[documentId]`) or starred: the same for every event
    /// of a pattern, so worked out once. Appwrite's loops run value replacements in between; as
    /// values only ever replace their own keys, doing them last gives the same names.
    private static let templates = Mutex<[String: [String]]>([:])

    private static func templates(_ pattern: String, keys: [String]) -> [String] {
        let parts = pattern.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let count = parts.count
        let type = parts[0]
        let resource = count > 1 ? parts[1] : nil
        let hasSub = count > 3 && parts[3].hasPrefix("[")
        let hasSubSub = count > 5 && parts[5].hasPrefix("[") && hasSub
        let subType = hasSub ? parts[2] : nil
        let subResource = hasSub ? parts[3] : nil
        let subSubType = hasSubSub ? parts[4] : nil
        let subSubResource = hasSubSub ? parts[5] : nil
        var attribute: String?
        if hasSubSub, count == 8 { attribute = parts[7] }
        if hasSub, !hasSubSub, count == 6 { attribute = parts[5] }
        if !hasSub, count == 4 { attribute = parts[3] }
        let action: String? =
            if !hasSub && count > 2 { parts[2] } else if hasSubSub { count > 6 ? parts[6] : nil } else if hasSub && count > 4 {
                parts[4]
            } else { nil }

        func join(_ items: [String?]) -> String { items.compactMap { $0 }.joined(separator: ".") }
        var patterns: [String] = []
        if let action {
            if let subSubResource {
                if let attribute {
                    patterns.append(join([type, resource, subType, subResource, subSubType, subSubResource, action, attribute]))
                }
                patterns.append(join([type, resource, subType, subResource, subSubType, subSubResource, action]))
                patterns.append(join([type, resource, subType, subResource, subSubType, subSubResource]))
            } else if let subResource {
                if let attribute { patterns.append(join([type, resource, subType, subResource, action, attribute])) }
                patterns.append(join([type, resource, subType, subResource, action]))
                patterns.append(join([type, resource, subType, subResource]))
            } else {
                patterns.append(join([type, resource, action]))
            }
            if let attribute { patterns.append(join([type, resource, action, attribute])) }
        }
        if let subSubResource { patterns.append(join([type, resource, subType, subResource, subSubType, subSubResource])) }
        if let subResource { patterns.append(join([type, resource, subType, subResource])) }
        patterns.append(join([type, resource]))
        patterns = unique(patterns)

        func values(_ text: String) -> String { text }
        func star(_ names: [String], _ text: String) -> String {
            names.reduce(text) { $0.replacing($1, with: "*") }
        }
        var events: [String] = []
        for eventPattern in patterns {
            events.append(values(eventPattern))
            events.append(star(keys, eventPattern))
            for key in keys {
                for current in keys {
                    if subSubResource != nil {
                        for subCurrent in keys where subCurrent != current && subCurrent != key {
                            events.append(values(star([subCurrent], eventPattern)))
                            events.append(values(star([current], star([subCurrent], eventPattern))))
                            events.append(values(star([current], eventPattern)))
                        }
                    } else if current != key {
                        events.append(values(star([current], eventPattern)))
                    }
                }
            }
        }
        return unique(events)
    }

    /// mirrorCollectionEvents: each `collections` name followed by its `tables`/`rows` twin.
    static func mirror(_ pattern: String, _ events: [String]) -> [String] {
        guard let first = events.first, pattern.contains("databases.") && (first.contains("collections") || first.contains("tables"))
        else { return events }
        let toTables = ["documents": "rows", "collections": "tables", "attributes": "columns"]
        let toCollections = ["rows": "documents", "tables": "collections", "columns": "attributes"]
        var paired: [String] = []
        for event in events {
            paired.append(event)
            if event.contains("collections") {
                paired.append(replaceSegments(event, toTables))
            } else if event.contains("tables") {
                paired.append(replaceSegments(event, toCollections))
            }
        }
        return unique(paired)
    }

    private static func replaceSegments(_ event: String, _ map: [String: String]) -> String {
        segments(of: event).map { map[$0] ?? $0 }.joined(separator: ".")
    }

    /// `array_unique`: the first of each, in order.
    static func unique(_ items: [String]) -> [String] {
        var seen: Set<String> = []
        return items.filter { seen.insert($0).inserted }
    }
}
