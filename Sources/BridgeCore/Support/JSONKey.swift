/// An object member's name, compared and hashed by its UTF-8 bytes.
///
/// Swift's `String` equality and hashing follow Unicode canonical equivalence: `"é"` written
/// precomposed (U+00E9) and decomposed (`e` + U+0301) are one key to a `Dictionary<String, _>`,
/// and hashing a non-ASCII key normalises it first, which costs far more than reading its bytes.
/// JSON (RFC 8259 §8.3) and Appwrite's PHP `json_decode` compare names code unit by code unit, so
/// the bridge does too: such keys are two different members, kept and sent as written.
struct JSONKey: Hashable, Sendable {
    let text: String

    init(_ text: String) { self.text = text }

    static func == (lhs: JSONKey, rhs: JSONKey) -> Bool {
        let left = lhs.text.utf8
        let right = rhs.text.utf8
        guard left.count == right.count else { return false }
        // Native strings are contiguous UTF-8, so this is one buffer comparison; bridged or
        // foreign strings fall back to walking both views.
        let compared = left.withContiguousStorageIfAvailable { leftBytes in
            right.withContiguousStorageIfAvailable { rightBytes in leftBytes.elementsEqual(rightBytes) }
        }
        return (compared ?? nil) ?? left.elementsEqual(right)
    }

    func hash(into hasher: inout Hasher) {
        let utf8 = text.utf8
        let hashed: Void? = utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if hashed == nil {
            // Same bytes, same hash, whichever way the string is stored.
            Array(utf8).withUnsafeBytes { hasher.combine(bytes: $0) }
        }
        hasher.combine(utf8.count)
    }
}
