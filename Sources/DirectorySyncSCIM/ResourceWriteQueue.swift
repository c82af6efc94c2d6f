/// One write at a time per resource, first come first served: the turns of the writers waiting
/// for each resource id.
///
/// The store is an actor, but every HTTP request suspends it, so without this two of its own
/// PATCHes to one group would both carry the group's current version in `If-Match` and one would
/// lose with 412. Held as actor state and used only from the actor, so it needs no lock of its own.
/// A waiter is not woken by cancellation: the write ahead of it is short and ends with its own
/// timeout.
struct ResourceWriteQueue {
    /// Per resource being written: the writers waiting behind the current one, in order.
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]

    /// Takes the turn for `id` when nobody holds it.
    /// - Returns: Whether the caller now holds the turn; if not, it must ``enqueue(_:_:)``.
    mutating func tryAcquire(_ id: String) -> Bool {
        guard waiting[id] == nil else { return false }
        waiting[id] = []
        return true
    }

    /// Queues a writer for `id`; it is resumed, holding the turn, when the writers ahead are done.
    mutating func enqueue(_ id: String, _ continuation: CheckedContinuation<Void, Never>) {
        waiting[id, default: []].append(continuation)
    }

    /// Gives the turn for `id` to the next writer, or frees it.
    mutating func release(_ id: String) {
        guard var queue = waiting[id], !queue.isEmpty else {
            waiting[id] = nil
            return
        }
        let next = queue.removeFirst()
        waiting[id] = queue
        next.resume()
    }
}
