import DirectorySync
import Foundation

/// `export`: a preview of N records exported as JSON (or CSV, JSON Lines) to /dev/null.
enum ExportScenario {
    static func run(records: Int, format: String) async throws -> Measurement {
        let plan = SyncPlan(sourceID: "contoso", operations: (0..<records).map { number in
            let email = "user\(number)@contoso.com"
            let profile = UserProfile(
                name: "User \(number)", firstName: "User", lastName: "\(number)", email: email,
                aliases: ["u\(number)@contoso.com"], logins: [email, "CORP\\user\(number)"])
            return SyncOperation(phase: .users, action: .createUser(externalID: "object-\(number)", profile: profile), subject: email, reason: .newInScope)
        })
        let preview = Preview(
            id: "bench", sourceID: "contoso", generatedAt: Date(timeIntervalSince1970: 1_790_000_000),
            expiresAt: Date(timeIntervalSince1970: 1_790_604_800), filter: .all, schedule: nil, plan: plan)
        let exporter: any PreviewExporter =
            switch format {
            case "csv": CSVPreviewExporter()
            case "jsonl": JSONLinesPreviewExporter()
            default: JSONPreviewExporter()
            }
        let baseline = ProcessStats.peakMemoryBytes
        let current = ProcessStats.currentMemoryBytes
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: "/dev/null"))
        var bytes = 0
        let timing = try await measure {
            var sink = CountingSink(FileHandleSink(handle))
            try exporter.export(preview, to: &sink)
            try sink.base.flush()
            bytes = sink.count
        }
        let peak = ProcessStats.peakMemoryBytes
        print("export \(format): \(records) records, \(megabytes(bytes)) in \(String(format: "%.2f", timing.wall)) s; resident before export \(megabytes(current)), peak before \(megabytes(baseline)), peak after \(megabytes(peak)) (export added \(megabytes(max(0, peak - max(baseline, current)))))")
        return Measurement(
            scenario: "export-\(format)", users: records, wallSeconds: timing.wall, cpuSeconds: timing.cpu, peakMemoryBytes: peak,
            throughputPerSecond: Double(records) / timing.wall,
            notes: ["bytes": String(bytes), "peakBeforeExportBytes": String(max(baseline, current)), "exportAddedBytes": String(max(0, peak - max(baseline, current)))])
    }
}

/// Counts bytes on their way to another sink.
struct CountingSink<Base: ByteSink>: ByteSink {
    var base: Base
    var count = 0
    init(_ base: Base) { self.base = base }
    mutating func write(_ data: Data) throws {
        count += data.count
        try base.write(data)
    }
}
