import Dispatch

/// Work over many items split into chunks that run at once on every core: the planner's pure
/// per-object passes (keys of a million ids, members of every group, each user's addresses)
/// are bound by memory latency, and two cores wait for twice as many cache lines at once.
enum ParallelChunks {
    /// `body` over `0..<count` in chunks, each chunk's result in the chunks' order. With one
    /// chunk's worth of items or fewer it runs once, on the calling thread.
    /// - Parameters:
    ///   - count: The number of items.
    ///   - chunkSize: Items per chunk.
    ///   - body: Works on a range of items; called at once for several ranges.
    /// - Returns: Each chunk's result, in order.
    static func chunks<R: Sendable>(_ count: Int, chunkSize: Int = 8_192, _ body: @Sendable (Range<Int>) -> R) -> [R] {
        let chunks = (count + chunkSize - 1) / chunkSize
        guard chunks > 1 else { return [body(0..<count)] }
        let parts = Locked([R?](repeating: nil, count: chunks))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let part = body(chunk * chunkSize..<min(count, (chunk + 1) * chunkSize))
            parts.withLock { $0[chunk] = part }
        }
        return parts.withLock { $0.map { $0! } }
    }

    /// `body` over `0..<count` in chunks, the chunks' results joined in order.
    /// - Parameters:
    ///   - count: The number of items.
    ///   - chunkSize: Items per chunk.
    ///   - body: Maps a range of items to their results, in order; called at once for several ranges.
    /// - Returns: The results of every item, in order.
    static func map<T: Sendable>(_ count: Int, chunkSize: Int = 8_192, _ body: @Sendable (Range<Int>) -> [T]) -> [T] {
        let parts = chunks(count, chunkSize: chunkSize, body)
        guard parts.count > 1 else { return parts.first ?? [] }
        var joined: [T] = []
        joined.reserveCapacity(count)
        for part in parts { joined.append(contentsOf: part) }
        return joined
    }
}
