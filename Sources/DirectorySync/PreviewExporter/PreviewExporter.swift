import Foundation

/// Writes a ``Preview`` in one format, streaming record by record: memory does not grow with the
/// number of records.
///
/// Implementations: ``JSONPreviewExporter`` (the default), ``JSONLinesPreviewExporter`` and
/// ``CSVPreviewExporter``.
public protocol PreviewExporter: Sendable {
    /// The usual file extension, such as `json`.
    var fileExtension: String { get }

    /// Writes the preview.
    /// - Parameters:
    ///   - preview: The preview.
    ///   - sink: Where to write.
    /// - Throws: The sink's errors.
    func export<Sink: ByteSink>(_ preview: Preview, to sink: inout Sink) throws
}

extension PreviewExporter {
    /// Writes the preview to a new file, atomically replacing any file there.
    ///
    /// The file holds directory data, so it is owner-only (0600) from the moment it is created,
    /// whatever the process's umask; readers see the old file or the new one, never a mix.
    /// - Parameters:
    ///   - preview: The preview.
    ///   - url: The file to write.
    /// - Throws: ``OwnerOnlyFile/Problem`` (a folder or file that cannot be used or trusted), or
    ///   the exporter's errors; the target is then unchanged.
    public func export(_ preview: Preview, toFile url: URL) throws {
        try OwnerOnlyFile.write(to: url) { handle in
            var sink = FileHandleSink(handle)
            try export(preview, to: &sink)
            try sink.flush()
        }
    }
}

/// The parts of an export that every format shares.
struct PreviewHeader: Codable {
    var id: String
    var source: SourceID
    var generatedAt: Date
    var expiresAt: Date
    var filter: SyncFilter
    var schedule: SyncSchedule?

    init(_ preview: Preview) {
        id = preview.id
        source = preview.sourceID
        generatedAt = preview.generatedAt
        expiresAt = preview.expiresAt
        filter = preview.filter
        schedule = preview.schedule
    }
}

struct PreviewSummary: Codable {
    var records: Int
    var actions: [String: Int]
    var deletionGuard: GuardSummary

    struct GuardSummary: Codable {
        var withinLimits: Bool
        var violations: [String]
    }

    init(_ preview: Preview) {
        records = preview.records.count
        let counts = preview.summary
        actions = Dictionary(uniqueKeysWithValues: PreviewRecord.Action.allCases.map { ($0.rawValue, counts[$0] ?? 0) })
        switch preview.plan.guardVerdict {
        case .withinLimits: deletionGuard = GuardSummary(withinLimits: true, violations: [])
        case .exceeded(let violations): deletionGuard = GuardSummary(withinLimits: false, violations: violations.map(\.description))
        }
    }
}
