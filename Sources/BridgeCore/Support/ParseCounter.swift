import Synchronization

/// How many JSON documents were parsed while it was `JSONParser.parseCounter`.
public final class ParseCounter: Sendable {
    private let count = Atomic<Int>(0)

    public init() {}

    public var value: Int { count.load(ordering: .relaxed) }

    func increment() { count.add(1, ordering: .relaxed) }
}
