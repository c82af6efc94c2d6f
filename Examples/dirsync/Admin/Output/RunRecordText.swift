import DirectorySync

/// A run as `status`, `history` and `run-scheduler` print it.
enum RunRecordText {
    /// `succeeded`, `partially failed`, `needs confirmation`, `cancelled` or `failed`.
    static func outcome(_ record: RunRecord) -> String {
        switch record.outcome {
        case .succeeded: "succeeded"
        case .partiallyFailed: "partially failed"
        case .needsConfirmation: "needs confirmation"
        case .cancelled: "cancelled"
        case .failed: "failed"
        }
    }

    /// How the run read the directory, such as `incremental (1 change)`, or `-` when it did not read.
    static func readKind(_ record: RunRecord) -> String {
        record.readKind.map { "\($0)" } ?? "-"
    }
}
