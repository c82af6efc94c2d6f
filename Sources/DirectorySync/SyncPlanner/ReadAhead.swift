/// Keeps the loads of a read-ahead sweep.
///
/// The planner's passes over a million objects scattered on the heap first read one byte of each
/// object of a batch (or one entry of a table for each key), so that the processor waits for all
/// those cache lines at once, and then work on the objects one by one. Nothing else uses what such a
/// sweep reads, so its sum is passed here: a function the optimizer neither inlines nor looks
/// into, so the loads stay. (A condition that never holds does not keep them: the optimizer knows
/// that an array's count is never negative, and dropped every sweep guarded by a count below zero.)
/// - Parameter sum: What the sweep read, summed.
@_optimize(none) @inline(never)
func keepReads<T>(_ sum: T) {}
