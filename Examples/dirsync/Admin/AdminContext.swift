import DirectorySync
import DirectorySyncEntra
import Foundation

/// What `dirsync --state DIR …` works on: the state folder's service, store and secrets.
///
/// `DIR/state` holds sources, tracking, previews and history; `DIR/secrets` the client secrets
/// (owner-only); `DIR/store` the identity store, unless `--scim-url` names a SCIM server.
struct AdminContext {
    let folder: URL
    let service: DirectoryService
    let store: any IdentityStore
    let json: Bool

    static func open(folder path: String, arguments: inout Arguments) async throws -> AdminContext {
        let folder = URL(fileURLWithPath: path, isDirectory: true)
        let json = arguments.flag("json")
        let store: any IdentityStore
        if let scim = try DemoEnvironment.scimStore(&arguments) {
            store = scim
        } else {
            store = try await FileIdentityStore.open(folder: folder.appendingPathComponent("store"))
        }
        let service = try await DirectoryService.open(
            store: store, state: try FileSyncStateStore(folder: folder.appendingPathComponent("state")),
            secrets: try FileSecretStore(folder: folder.appendingPathComponent("secrets")), connector: GraphDirectoryConnector())
        return AdminContext(folder: folder, service: service, store: store, json: json)
    }

    /// The source named by `--source` (required).
    func source(_ arguments: inout Arguments) async throws -> Source {
        guard let name = try arguments.option("source") else { throw UsageError("--source NAME is required") }
        return try await service.source(named: name)
    }

    /// Prints a value as JSON (sorted keys, ISO 8601 dates) on standard output.
    func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// Shows a source's events (state changes, phases) as a progress line on a terminal.
    func showProgress() -> Task<Void, Never>? {
        guard Terminal.errorIsTerminal else { return nil }
        let events = service.events()
        return Task {
            for await event in events {
                switch event {
                case .stateChanged(let id, _, let to): Terminal.progress("\(id): \(to)")
                case .progress(let id, .phaseStarted(let phase, let operations)): Terminal.progress("\(id): \(phase) (\(operations.grouped) operations)")
                case .runFinished: Terminal.endProgress()
                default: continue
                }
            }
        }
    }
}

/// Tables for people: columns padded to their widest cell.
enum Table {
    static func render(_ header: [String], _ rows: [[String]]) -> String {
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}

extension Date {
    /// `2026-11-27T14:05:00Z`
    var shortText: String { formatted(.iso8601) }
}
