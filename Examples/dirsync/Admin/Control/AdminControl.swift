import DirectorySync
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Administration while another `dirsync` process works on the same state folder.
///
/// One process at a time writes a state folder: the *owner*, which holds `DIR/control/owner.lock`
/// for as long as it runs (a `sync`, `run-scheduler`, or any other command that writes). Meanwhile:
/// - read-only commands (`status`, `history`, `explain`, `source list`, `source show`, `users`, `groups`)
///   read the folder directly and never wait;
/// - `on`, `off [--cancel]`, `filter set`, `schedule set`, `policy set`, `credentials set`,
///   `tracking reset` and `sync [--full | --user KEY]` are *requests*: written to
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
        /// What to do. `syncUser` and `syncFull` are actions of their own (not `sync` with a user
        /// or a flag) so that an owner from before them refuses the request — it cannot read the
        /// action — instead of synchronizing the whole source, or reading only the changes.
        enum Action: String, Codable, Sendable { case on, off, filter, schedule, sync, syncUser, syncFull, policy, trackingReset, credentials }
        var action: Action
        var sourceID: SourceID
        var json: Bool
        var cancel: Bool?
        var filter: SyncFilter?
        var schedule: SyncSchedule?
        var confirmRemovals: Bool?
        /// `sync --user KEY`: the user to synchronize on demand.
        var user: String?
        /// `policy set`: the policies to change.
        var policy: PolicyChange?
        /// `credentials set`: the new credentials (they hold no secret), or with ``secretExpiry``
        /// alone the expiry date only.
        var credentials: SourceCredentials?
        var secretExpiry: Date?
        /// `credentials set` with a new secret: the key under which the sender put it in the
        /// folder's secret store (`DIR/secrets`) — a secret never goes into a request file. The
        /// owner reads it and removes it; one a killed process left behind is removed by the next
        /// owner when it starts (``removeStaleHandovers(in:)``).
        var secretHandover: SecretKey?
        var sentAt: Date

        /// The command it came from.
        var command: String {
            switch action {
            case .filter, .schedule, .policy, .credentials: "\(action.rawValue) set"
            case .syncUser: "sync --user"
            case .syncFull: "sync --full"
            case .trackingReset: "tracking reset"
            default: action.rawValue
            }
        }

        /// It lasts as long as a synchronization: `sync`, and `off` that lets the running one finish.
        var waitsForRun: Bool {
            [.sync, .syncUser, .syncFull, .trackingReset].contains(action) || (action == .off && cancel != true)
        }
    }

    /// What a command printed and how it ended.
    struct Reply: Codable, Sendable {
        var status: Int32
        var output: String
        var error: String?
        var isUsageError: Bool
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
    static var encoder: JSONEncoder { JSONOutput.encoder }

    /// Reads what ``encoder`` wrote.
    static var decoder: JSONDecoder { JSONOutput.decoder }
}
