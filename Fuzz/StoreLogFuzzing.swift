import DirectorySync
import Foundation

/// The file identity store's log under arbitrary bytes: the framing reads back exactly what was
/// framed, stops at the first damage, and the store built on it fails loudly or reads only whole
/// records — never a crash, never a silently shortened store.
enum StoreLogFuzzing {
    /// A store folder whose log header is valid; each input is appended to it as the log's records.
    private static let folder: URL = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dirsync-fuzz-store-\(getpid())")
        let semaphore = DispatchSemaphore(value: 0)
        Task {
            (try? await FileIdentityStore.open(folder: folder))?.close()
            semaphore.signal()
        }
        semaphore.wait()
        return folder
    }()
    /// The valid log a store starts with (its header record), kept beside the store.
    private static let template: URL = {
        let template = folder.appendingPathComponent("template.log")
        try? FileManager.default.copyItem(at: folder.appendingPathComponent("identities.log"), to: template)
        return template
    }()

    static func run(_ data: Data) {
        let scan = RecordFile.scan(data)
        let reframed = RecordFile.frame(scan.payloads)
        guard reframed == data.prefix(scan.validLength) else { fatalError("records were read that were not framed as such") }
        guard scan.end != .clean || scan.validLength == data.count else { fatalError("bytes after the last record were ignored silently") }
        if case .torn = scan.end, data[scan.validLength...].contains(0x0A) { fatalError("a record followed by others was taken for a torn tail") }

        // Read per input rather than kept in a static buffer, which LeakSanitizer reports at exit.
        let header = (try? Data(contentsOf: template)) ?? Data()
        try? (header + data).write(to: folder.appendingPathComponent("identities.log"))
        guard let health = try? FileIdentityStore.check(folder: folder) else { return }
        let whole = scan.payloads.count
        if health.isHealthy, scan.end == .clean, health.records > whole { fatalError("the store holds more changes than the log has records") }
    }
}
