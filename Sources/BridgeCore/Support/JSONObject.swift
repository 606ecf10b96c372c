import OrderedCollections

/// An ordered JSON object: members keep the order they were written or added in, and a member is
/// found by name in O(1) (a hash table beside the ordered keys), so a body with 40,000 keys costs
/// 40,000 steps to read rather than 40,000².
///
/// Names are compared by their UTF-8 bytes (see `JSONKey`), not by Unicode canonical equivalence.
/// The parser refuses a repeated name; code that builds an object and sets a name twice keeps the
/// first position and the last value.
public struct JSONObject: Sendable, Equatable {
    var members: OrderedDictionary<JSONKey, JSONValue>

    public init(_ entries: [(key: String, value: JSONValue)] = []) {
        members = OrderedDictionary(minimumCapacity: entries.count)
        for (key, value) in entries { members[JSONKey(key)] = value }
    }

    init(members: OrderedDictionary<JSONKey, JSONValue>) {
        self.members = members
    }

    /// The members in order. Builds an array: iterate it once rather than index into it per key.
    public var entries: [(key: String, value: JSONValue)] {
        members.elements.map { (key: $0.key.text, value: $0.value) }
    }

    public var keys: [String] { members.keys.map(\.text) }
    public var isEmpty: Bool { members.isEmpty }
    public var count: Int { members.count }

    /// Setting nil removes the member, which shifts the ones after it (O(n)); setting a value is
    /// O(1) amortised.
    public subscript(key: String) -> JSONValue? {
        get { members[JSONKey(key)] }
        set { members[JSONKey(key)] = newValue }
    }

    /// Same members with the same values in the same order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members == rhs.members
    }
}
