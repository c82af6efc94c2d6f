import DirectorySync
import DirectorySyncEntra
import DirectorySyncSCIM
import Foundation

/// What a fuzz run feeds bytes to. `DIRSYNC_FUZZ_TARGET` picks one under libFuzzer; the replayer
/// (a normal build) runs every target on every input.
enum FuzzTarget: String, CaseIterable {
    /// Graph user pages, group delta pages and delta entries.
    case graph
    /// Token-endpoint and Graph error bodies, token claims.
    case tokens
    /// SCIM lists, resources, configuration and errors.
    case scim
    /// The filter language: parse, print, parse again — the two trees must be equal.
    case filter
    /// Saved state and configuration: schedules, filters, sources, runs, changes, mirrors, store logs.
    case state
    /// The file identity store's log: framed records read back exactly, damage never silent.
    case storeLog

    func run(_ data: Data) {
        switch self {
        case .graph:
            // The differential check: the hand-written reader must agree with `JSONDecoder`.
            let comparison = EntraDecodingHooks.comparePageReaders(data)
            if let disagreement = comparison.disagreements.first { fatalError("GraphJSONReader and JSONDecoder disagree: \(disagreement)") }
            EntraDecodingHooks.readPages(data)
        case .tokens: EntraDecodingHooks.readErrorsAndClaims(data)
        case .scim: SCIMDecodingHooks.readResources(data)
        case .filter:
            let text = String(decoding: data, as: UTF8.self)
            guard let expression = try? FilterExpression(parsing: text) else { return }
            guard let again = try? FilterExpression(parsing: expression.description), again == expression else {
                fatalError("the filter '\(expression.description)' does not parse back to itself")
            }
            for target in [FilterAttribute.Target.users, .groups] { _ = try? expression.validate(for: target) }
        case .state:
            let decoder = JSONDecoder()
            _ = try? decoder.decode(SyncSchedule.self, from: data)
            _ = try? decoder.decode(SyncFilter.self, from: data)
            _ = try? decoder.decode([Source].self, from: data)
            _ = try? decoder.decode([RunRecord].self, from: data)
            if let changes = try? decoder.decode(DirectoryChanges.self, from: data) {
                var mirror = (try? decoder.decode(DirectoryMirror.self, from: data)) ?? DirectoryMirror(DirectorySnapshot())
                mirror.apply(changes)
                _ = mirror.snapshot
            }
            _ = try? decoder.decode(StoreChange.self, from: data)
            let text = String(decoding: data, as: UTF8.self)
            _ = try? LocalTime(parsing: text)
            _ = try? Weekday(parsing: text)
        case .storeLog: StoreLogFuzzing.run(data)
        }
    }
}

/// The libFuzzer entry: one input to the target named by `DIRSYNC_FUZZ_TARGET` (all when unset).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    for target in selectedTargets { target.run(data) }
    return 0
}

let selectedTargets: [FuzzTarget] = ProcessInfo.processInfo.environment["DIRSYNC_FUZZ_TARGET"].flatMap(FuzzTarget.init(rawValue:)).map { [$0] } ?? FuzzTarget.allCases
