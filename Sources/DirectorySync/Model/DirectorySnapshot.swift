/// What one read of a directory returned: users, groups with their direct members, and whether
/// the read finished.
///
/// A snapshot that is not complete (the read failed, was cancelled or paging was cut short) must
/// never be planned: the planner refuses it, so a partial read can never turn into removals.
public struct DirectorySnapshot: Hashable, Codable, Sendable {
    /// The users read.
    public var users: [DirectoryUser]
    /// The groups read.
    public var groups: [DirectoryGroup]
    /// `true` only when every page of every collection was read.
    public var isComplete: Bool
    /// What the read cost, when the provider counts it (HTTP providers do).
    public var statistics: ReadStatistics

    /// Creates a snapshot.
    /// - Parameters:
    ///   - users: The users read.
    ///   - groups: The groups read.
    ///   - isComplete: `true` only when the read finished.
    ///   - statistics: What the read cost.
    public init(users: [DirectoryUser] = [], groups: [DirectoryGroup] = [], isComplete: Bool = true, statistics: ReadStatistics = ReadStatistics()) {
        self.users = users
        self.groups = groups
        self.isComplete = isComplete
        self.statistics = statistics
    }
}

/// What a directory read cost.
public struct ReadStatistics: Hashable, Codable, Sendable {
    /// HTTP requests the provider sent and got an answer to, a request sent again with a renewed
    /// token included; the retries a retrying transport makes below the provider (after
    /// throttling or a dropped connection) are not counted.
    public var requests: Int
    /// Pages read.
    public var pages: Int
    /// Resource units the service charged (Graph's `x-ms-resource-unit`).
    public var resourceUnits: Int
    /// Group members that are neither users nor groups (devices, contacts, service principals), ignored.
    public var ignoredMembers: Int
    /// Whether a filter was evaluated by the service rather than by DirectorySync.
    public var filterPushedDown: Bool

    /// Creates statistics.
    public init(requests: Int = 0, pages: Int = 0, resourceUnits: Int = 0, ignoredMembers: Int = 0, filterPushedDown: Bool = false) {
        self.requests = requests
        self.pages = pages
        self.resourceUnits = resourceUnits
        self.ignoredMembers = ignoredMembers
        self.filterPushedDown = filterPushedDown
    }
}
