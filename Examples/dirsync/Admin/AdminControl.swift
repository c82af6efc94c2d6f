import DirectorySync
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Administration while another `dirsync` process works on the same state folder.
///
/// One process at a time writes a state folder: the *owner*, which holds `DIR/control/owner.lock`
/// for as long as it runs (a `sync`, `run-scheduler`, or any other command that writes). Meanwhile:
/// - read-only commands (`status`, `history`, `source list`, `source show`, `users`, `groups`)
///   read the folder directly and never wait;
/// - `on`, `off [--cancel]`, `filter set`, `schedule set` and `sync` are *requests*: written to
///   `DIR/control/<id>.request` (owner-only), carried out by the owner — which polls every
///   ``pollInterval`` — and answered in `<id>.reply`, printed as if run here;
/// - every other command needs the folder to itself, and says which process holds it.
enum AdminControl {
    /// How often an owner looks for requests.
    static let pollInterval = Duration.milliseconds(200)
    /// A request not taken within this time is dropped (its sender gave up or died).
    static let requestLifetime: TimeInterval = 60
    /// How long a sender waits for the answer to a request that was taken (a `sync` waits as long
    /// as its run takes, while the owner lives).
    static let answerTimeout: TimeInterval = 120

    /// A command carried out by the folder's owner.
    struct Request: Codable, Sendable {
        enum Action: String, Codable, Sendable { case on, off, filter, schedule, sync }
        var action: Action
        var sourceID: SourceID
        var json: Bool
        var cancel: Bool?
        var filter: SyncFilter?
        var schedule: SyncSchedule?
        var confirmRemovals: Bool?
        var sentAt: Date

        /// The command it came from.
        var command: String {
            switch action {
            case .filter, .schedule: "\(action.rawValue) set"
            default: action.rawValue
            }
        }

        /// It lasts as long as a synchronization: `sync`, and `off` that lets the running one finish.
        var waitsForRun: Bool { action == .sync || (action == .off && cancel != true) }
    }

    /// What a command printed and how it ended.
    struct Reply: Codable, Sendable {
        var status: Int32
        var output: String
        var error: String?
        var isUsageError: Bool
    }

    /// Carries out a request on this process's service.
    static func perform(_ request: Request, on service: DirectoryService) async -> Reply {
        do {
            let source = try await service.source(request.sourceID)
            let name = Terminal.safe(source.name)
            switch request.action {
            case .on:
                try await service.turnOn(source.id)
                return Reply(status: 0, output: "'\(name)' is on.", isUsageError: false)
            case .off:
                try await service.turnOff(source.id, running: request.cancel == true ? .cancel : .wait)
                return Reply(status: 0, output: "'\(name)' is off.", isUsageError: false)
            case .filter:
                let filter = request.filter ?? .all
                try await service.setFilter(source.id, filter)
                return Reply(
                    status: 0,
                    output: "Filter of '\(name)': \(Terminal.safe("\(filter)")). The next synchronization reads everything; what leaves the scope is removed (through the deletion guard).",
                    isUsageError: false)
            case .schedule:
                let schedule = request.schedule ?? SyncSchedule.manual
                try await service.setSchedule(source.id, schedule)
                return Reply(status: 0, output: "Schedule of '\(name)': \(schedule).", isUsageError: false)
            case .sync:
                // The run's own warnings (a history that could not be saved) come as events before it finishes.
                let events = service.events()
                let warnings = Task { () -> [String] in
                    var found: [String] = []
                    for await event in events {
                        if case .warning(source.id, .historyNotSaved(let message)) = event { found.append("\(SourceWarning.historyNotSaved(message))") }
                        if case .runFinished(source.id, _) = event { break }
                    }
                    return found
                }
                let record: RunRecord
                do {
                    record = request.confirmRemovals == true ? try await service.confirmRemovals(source.id) : try await service.synchronize(source.id)
                } catch {
                    warnings.cancel()
                    throw error
                }
                let notes = await warnings.value
                var output = request.json ? try AdminContext.jsonText(record) : AdminRunCommands.text(record, name: source.name).joined(separator: "\n")
                if !request.json { output += notes.map { "\nWarning: \(Terminal.safe($0))" }.joined() }
                return Reply(status: record.isSuccess && notes.isEmpty ? 0 : 1, output: output, error: nil, isUsageError: false)
            }
        } catch let error as DirectoryServiceError {
            let classified = AdminCommand.classify(error)
            return Reply(status: classified is UsageError ? 2 : 1, output: "", error: "\(classified)", isUsageError: classified is UsageError)
        } catch let error as FilterError {
            return Reply(status: 2, output: "", error: error.description, isUsageError: true)
        } catch {
            return Reply(status: 1, output: "", error: "\(error)", isUsageError: false)
        }
    }

    /// Prints a reply as the command's own output; its error becomes the command's error.
    static func finish(_ reply: Reply) throws -> Int32 {
        if !reply.output.isEmpty { print(reply.output) }
        guard let error = reply.error else { return reply.status }
        if reply.isUsageError { throw UsageError(error) }
        throw ForwardedFailure(description: error)
    }

    /// An operation that failed in the process that carried it out.
    struct ForwardedFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// Requests, replies and the owner's note are written in `dirsync`'s one JSON form.
    static var encoder: JSONEncoder { AdminContext.encoder }

    /// Reads what ``encoder`` wrote.
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
