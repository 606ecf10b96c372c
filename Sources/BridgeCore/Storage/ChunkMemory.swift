#if canImport(Glibc)
    import Glibc
#endif

/// glibc raises its mmap threshold after the first large block is freed, so later 5 MiB chunk
/// buffers come from the heap and their pages stay resident: RSS would creep up with every
/// upload. A fixed threshold (mallopt(M_MMAP_THRESHOLD), found with dlsym because Swift's Glibc
/// module does not export malloc.h) keeps chunk buffers mmap'd and returned when freed.
enum ChunkMemory {
    static let configured: Bool = {
        #if canImport(Glibc)
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
            return unsafeBitCast(symbol, to: Mallopt.self)(mmapThreshold, 512 * 1024) == 1
        #else
            return true
        #endif
    }()
}
