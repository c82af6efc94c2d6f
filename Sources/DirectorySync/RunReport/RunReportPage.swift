import Foundation

/// One page of a run's report. JSON (`history --run … --json`): `{"run", "records", "offset",
/// "matching", "total"}`.
public struct RunReportPage: Hashable, Sendable, Encodable {
    /// The run.
    public var run: RunRecord
    /// The records of the page, in the report's order.
    public var records: [RunReportRecord]
    /// How many matching records precede the page.
    public var offset: Int
    /// How many records match the filter in the whole report.
    public var matching: Int
    /// How many records the report holds.
    public var total: Int
}
