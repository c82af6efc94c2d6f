/// One page of a preview's records, for display.
public struct PreviewPage: Hashable, Sendable {
    /// The records on this page.
    public var records: [PreviewRecord]
    /// The position of the first record among the (filtered) records.
    public var offset: Int
    /// How many (filtered) records there are in all.
    public var total: Int

    /// Whether more records follow this page.
    public var hasMore: Bool { offset + records.count < total }
}

extension Preview {
    /// The most records a preview shows as pages (the product's limit); larger previews are
    /// only exported.
    public static let defaultDisplayLimit = 20_000

    /// A page of records for display.
    /// - Parameters:
    ///   - offset: The first record to show (0-based).
    ///   - limit: How many records at most.
    ///   - action: Only records with this action, if given.
    ///   - displayLimit: The most records a preview may have to be shown as pages.
    /// - Returns: The page.
    /// - Throws: ``PreviewError/tooManyRecordsToDisplay(count:limit:)`` above the display limit,
    ///   ``PreviewError/invalidPage(offset:limit:)`` for a negative offset or a limit below 1.
    public func page(
        offset: Int = 0, limit: Int = 100, action: PreviewRecord.Action? = nil,
        displayLimit: Int = Preview.defaultDisplayLimit
    ) throws(PreviewError) -> PreviewPage {
        let records = self.records
        if records.count > displayLimit { throw .tooManyRecordsToDisplay(count: records.count, limit: displayLimit) }
        guard offset >= 0, limit >= 1 else { throw .invalidPage(offset: offset, limit: limit) }
        let selected = action.map { wanted in records.filter { $0.action == wanted } } ?? Array(records)
        let start = min(offset, selected.count)
        let end = min(start + limit, selected.count)
        return PreviewPage(records: Array(selected[start..<end]), offset: start, total: selected.count)
    }
}
