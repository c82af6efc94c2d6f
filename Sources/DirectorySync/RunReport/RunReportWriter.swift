/// Writes one run's report as the run goes: what was planned, while the plan is applied (on
/// another thread: it costs the run next to nothing); each record's outcome, once it was applied.
package final class RunReportWriter: Sendable {
    private let shelf: RunReportShelf
    private let run: String
    private let writing = Locked<Task<RunReportShelf.Entry?, any Error>?>(nil)

    /// A writer of the run's report on the shelf.
    package init(shelf: RunReportShelf, run: String) {
        self.shelf = shelf
        self.run = run
    }

    /// Starts writing what the run planned (called once, when the plan is made).
    package func planned(_ plan: SyncPlan) {
        let (shelf, run) = (shelf, run)
        writing.withLock { task in
            task = Task {
                guard var entry = try await shelf.begin(run: run) else { return nil }
                try await shelf.write(RunReportRecord.planned(plan), into: &entry)
                return entry
            }
        }
    }

    /// Completes the report with the outcomes — an empty report when nothing was planned.
    /// - Parameters:
    ///   - plan: The plan given to ``planned(_:)``, or `nil` when the run planned nothing.
    ///   - outcomes: What became of each operation (``SyncReport/Results/outcomes``), or `nil` when nothing was applied.
    ///   - heldBack: Whether the deletion guard stopped the run.
    /// - Throws: The state store's errors (the report is then not kept).
    package func finish(plan: SyncPlan?, outcomes: [SyncOperationResult.Outcome]?, heldBack: Bool) async throws {
        guard let plan, let task = writing.withLock({ $0 }) else {
            try await shelf.save([RunReportRecord](), run: run)
            return
        }
        guard let entry = try await task.value else { return }
        try await shelf.finish(entry, outcomes: RunReportRecord.outcomes(plan: plan, outcomes: outcomes, heldBack: heldBack))
    }
}
