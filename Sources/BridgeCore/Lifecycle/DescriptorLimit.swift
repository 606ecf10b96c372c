#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process's open-files limit (RLIMIT_NOFILE). systemd and most shells start a service with a
/// soft limit of 1,024 although the hard limit allows far more; every client connection costs one
/// descriptor, so the bridge raises the soft limit to the hard one at start.
public enum DescriptorLimit {
    public struct Raise: Sendable, Equatable {
        public var before: Int
        public var after: Int
        /// Why the limit could not be raised, if it could not.
        public var failure: String?
    }

    /// The soft limit now.
    public static var current: Int {
        var limits = rlimit()
        guard getrlimit(resource, &limits) == 0 else { return 1_024 }
        return clamp(limits.rlim_cur)
    }

    /// Raises the soft limit to the hard limit (on Darwin at most OPEN_MAX, which is what it accepts).
    public static func raiseToHardLimit() -> Raise {
        var limits = rlimit()
        guard getrlimit(resource, &limits) == 0 else {
            return Raise(before: 1_024, after: 1_024, failure: "getrlimit failed (errno \(errno))")
        }
        let before = limits.rlim_cur
        var target = limits.rlim_max
        #if canImport(Darwin)
            target = min(target, rlim_t(OPEN_MAX))
        #endif
        guard target > before else { return Raise(before: clamp(before), after: clamp(before)) }
        limits.rlim_cur = target
        guard setrlimit(resource, &limits) == 0 else {
            return Raise(before: clamp(before), after: clamp(before), failure: "setrlimit failed (errno \(errno))")
        }
        return Raise(before: clamp(before), after: clamp(target))
    }

    #if os(Linux)
        private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
        private static let resource = RLIMIT_NOFILE
    #endif

    private static func clamp(_ value: rlim_t) -> Int {
        value > rlim_t(Int32.max) ? Int(Int32.max) : Int(value)
    }
}

/// `limits.max_connections` when bridge.yaml does not set it.
public enum ConnectionLimit {
    /// Three quarters of the descriptor limit, leaving the rest for upstream connections, the
    /// outbox and the runtime; at most 10,000, which bounds memory on hosts whose limit is in the
    /// hundreds of thousands; at least 16.
    public static func defaultMaximum(descriptorLimit: Int) -> Int {
        min(max(descriptorLimit / 4 * 3, 16), 10_000)
    }
}
