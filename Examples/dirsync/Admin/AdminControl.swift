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

    // MARK: Sending

    /// Sends a request to the folder's owner and waits for its reply.
    /// - Returns: The reply, or `nil` when the owner ended before it took the request (the request
    ///   is withdrawn; the sender may take the folder and carry it out itself).
    static func send(_ request: Request, folder: URL, owner: Ownership.Holder?) async throws -> Reply? {
        let control = folder.appendingPathComponent("control")
        let id = UUID().uuidString
        let requestFile = control.appendingPathComponent("\(id).request")
        let replyFile = control.appendingPathComponent("\(id).reply")
        try OwnerOnlyFile.write(try encoder.encode(request), to: requestFile)
        let holder = owner.map { " (process \($0.pid), '\($0.command)')" } ?? ""
        var waited = Duration.zero
        while true {
            if let data = try OwnerOnlyFile.read(replyFile) {
                try? FileManager.default.removeItem(at: replyFile)
                return try decoder.decode(Reply.self, from: data)
            }
            let unclaimed = FileManager.default.fileExists(atPath: requestFile.path)
            let ownerGone = unclaimed && Ownership.isFree(folder)
            if unclaimed, ownerGone || waited > .seconds(requestLifetime) {
                // Not taken: withdraw it (a rename either side wins, never both).
                let withdrawn = control.appendingPathComponent("\(id).withdrawn")
                if rename(requestFile.path, withdrawn.path) == 0 {
                    try? FileManager.default.removeItem(at: withdrawn)
                    if ownerGone { return nil }
                    throw ForwardedFailure(
                        description: "the process that holds '\(folder.path)'\(holder) did not take the request within \(Int(requestLifetime)) s (is it stopped?); run the command again")
                }
            } else if !unclaimed, Ownership.isFree(folder), try OwnerOnlyFile.read(replyFile) == nil {
                // An owner answers what it took before it lets the folder go; this one ended without answering.
                try? FileManager.default.removeItem(at: control.appendingPathComponent("\(id).claimed"))
                throw ForwardedFailure(
                    description: "the process that held '\(folder.path)'\(holder) took the request but ended before answering (it was stopped or killed); check with 'status', then run the command again")
            } else if !unclaimed, !request.waitsForRun, waited > .seconds(answerTimeout) {
                throw ForwardedFailure(
                    description: "the process that holds '\(folder.path)'\(holder) took the request but did not answer within \(Int(answerTimeout)) s; check with 'status' whether it was carried out")
            }
            try await Task.sleep(for: .milliseconds(100))
            waited += .milliseconds(100)
        }
    }

    // MARK: Serving

    /// Carries out the requests of other processes while this one owns the folder.
    final class Server: Sendable {
        private let task: Task<Void, Never>

        init(folder: URL, service: DirectoryService) {
            let control = folder.appendingPathComponent("control")
            AdminControl.removeLeftovers(in: control)
            task = Task {
                await withTaskGroup(of: Void.self) { group in
                    while !Task.isCancelled {
                        for file in AdminControl.pending(in: control) {
                            group.addTask { await AdminControl.serve(file, in: control, service: service) }
                        }
                        try? await Task.sleep(for: AdminControl.pollInterval)
                    }
                    // Requests already taken are answered before the process ends.
                    await group.waitForAll()
                }
            }
        }

        /// Stops taking requests and waits for those taken.
        func stop() async {
            task.cancel()
            await task.value
        }
    }

    /// Removes what earlier owners and senders left: requests taken by an owner that died, and
    /// answers nobody read within a request's lifetime.
    static func removeLeftovers(in control: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: control.path)) ?? []
        for name in names where name.hasSuffix(".claimed") || name.hasSuffix(".reply") || name.hasSuffix(".withdrawn") {
            let file = control.appendingPathComponent(name)
            let modified = (try? FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate] as? Date) ?? .distantPast
            if name.hasSuffix(".claimed") || Date().timeIntervalSince(modified) > requestLifetime { try? FileManager.default.removeItem(at: file) }
        }
    }

    /// Takes the requests waiting in `control` (renamed, so no other owner takes them too).
    static func pending(in control: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: control.path)) ?? []
        return names.filter { $0.hasSuffix(".request") }.compactMap { name in
            let claimed = control.appendingPathComponent(name.replacingOccurrences(of: ".request", with: ".claimed"))
            return rename(control.appendingPathComponent(name).path, claimed.path) == 0 ? claimed : nil
        }
    }

    private static func serve(_ claimed: URL, in control: URL, service: DirectoryService) async {
        defer { try? FileManager.default.removeItem(at: claimed) }
        let replyFile = control.appendingPathComponent(claimed.deletingPathExtension().lastPathComponent + ".reply")
        let reply: Reply
        do {
            guard let data = try OwnerOnlyFile.read(claimed) else { return }
            let request = try decoder.decode(Request.self, from: data)
            if abs(Date().timeIntervalSince(request.sentAt)) < requestLifetime {
                reply = await perform(request, on: service)
            } else {
                reply = Reply(status: 1, output: "", error: "the request waited more than \(Int(requestLifetime)) s and was not carried out; run the command again", isUsageError: false)
            }
        } catch {
            reply = Reply(status: 1, output: "", error: "the request could not be read: \(error)", isUsageError: false)
        }
        try? OwnerOnlyFile.write(try encoder.encode(reply), to: replyFile)
    }

    private static var encoder: JSONEncoder { AdminContext.encoder }

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    // MARK: Ownership

    /// The lock that makes one process the folder's owner.
    final class Ownership: Sendable {
        /// Who holds a folder, as it wrote down when it took it.
        struct Holder: Codable, Sendable {
            var pid: Int32
            var command: String
            var since: Date
        }

        private let descriptor: Int32

        private init(descriptor: Int32) { self.descriptor = descriptor }

        deinit { close(descriptor) }

        /// Takes the folder, or returns `nil` when another process holds it; `command` is written
        /// down for others to see (a probe passes `nil`). A lock held only for an instant — another
        /// process's probe — is tried again, `attempts` times in all.
        static func take(_ folder: URL, command: String?, attempts: Int = 1) throws -> Ownership? {
            for attempt in 1...max(1, attempts) {
                if let ownership = try takeOnce(folder, command: command) { return ownership }
                if attempt < attempts { usleep(50_000) }
            }
            return nil
        }

        private static func takeOnce(_ folder: URL, command: String?) throws -> Ownership? {
            let control = folder.appendingPathComponent("control")
            try OwnerOnlyFile.prepareFolder(control)
            let descriptor = try OwnerOnlyFile.openLock(control.appendingPathComponent("owner.lock"))
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
                close(descriptor)
                return nil
            }
            if let command {
                let holder = Holder(pid: getpid(), command: command, since: Date())
                try? OwnerOnlyFile.write(try encoder.encode(holder), to: control.appendingPathComponent("owner.json"))
            }
            return Ownership(descriptor: descriptor)
        }

        /// Whether no process holds the folder now.
        static func isFree(_ folder: URL) -> Bool {
            (try? take(folder, command: nil)) != nil
        }

        /// Who holds the folder, as it wrote down — `nil` when that process is gone (the note is
        /// then an earlier owner's).
        static func holder(of folder: URL) -> Holder? {
            let file = folder.appendingPathComponent("control").appendingPathComponent("owner.json")
            guard let holder = (try? OwnerOnlyFile.read(file)).flatMap({ $0 }).flatMap({ try? decoder.decode(Holder.self, from: $0) }) else { return nil }
            return kill(holder.pid, 0) == 0 || errno == EPERM ? holder : nil
        }
    }
}
