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

    /// `transform` of every item of `0..<count`, in order, worked out in chunks at once and
    /// written straight into the result: no chunk's results are gathered and copied (a copy
    /// retains every string or array a result holds, and freeing the chunk releases them again —
    /// on one core, after the parallel part).
    /// - Parameters:
    ///   - count: The number of items.
    ///   - chunkSize: Items per chunk.
    ///   - readAhead: Called with each chunk's range before its items are transformed, on the same
    ///     core: it reads what they will need (``keepReads(_:)``), so that the waits overlap.
    ///   - transform: An item's result; called at once for items of several chunks.
    /// - Returns: The results of every item, in order.
    static func map<T: Sendable>(
        _ count: Int, chunkSize: Int = 8_192, readAhead: (@Sendable (Range<Int>) -> Void)? = nil, _ transform: @Sendable (Int) -> T
    ) -> [T] {
        guard count > 0 else { return [] }
        return Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            let results = SharedPointer(buffer.baseAddress!)
            _ = chunks(count, chunkSize: chunkSize) { range in
                readAhead?(range)
                for index in range { (results.base + index).initialize(to: transform(index)) }
            }
            initialized = count
        }
    }

    /// Sets `table[row]` to `make(row)` for each of `rows`, in chunks at once; each value is
    /// moved into its place, not copied.
    /// - Precondition: `rows` are indices of `table` in ascending order, each once (chunks write
    ///   their rows at once, so two writes of one row would race).
    static func fill<T: Sendable>(_ table: inout [T], rows: [Int], chunkSize: Int = 4_096, _ make: @Sendable (Int) -> T) {
        guard !rows.isEmpty else { return }
        table.withUnsafeMutableBufferPointer { table in
            let (places, count) = (SharedPointer(table.baseAddress!), table.count)
            _ = chunks(rows.count, chunkSize: chunkSize) { range in
                // Each row after the one before it, across the chunk's start too: none twice.
                var previous = range.lowerBound > 0 ? rows[range.lowerBound - 1] : -1
                for row in rows[range] {
                    precondition(row > previous && row < count, "rows of the table in ascending order, each once")
                    places.base[row] = make(row)
                    previous = row
                }
            }
        }
    }
}

/// Memory that chunks running at once on several cores write, each in places no other chunk
/// reads or writes (``ParallelChunks/map(_:chunkSize:readAhead:_:)``,
/// ``ParallelChunks/fill(_:rows:chunkSize:_:)``, ``ObjectKeyTable``'s halves).
struct SharedPointer<Pointee>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Pointee>

    init(_ base: UnsafeMutablePointer<Pointee>) { self.base = base }
}
