/// Why no plan could be made. Nothing was changed.
public enum SyncPlanningError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The directory read did not finish; planning it could turn missing objects into removals.
    case incompleteRead
    /// The source's filter breaks a rule.
    case invalidFilter(FilterError)

    /// The cause and the fix.
    public var description: String {
        switch self {
        case .incompleteRead:
            "The directory read did not finish, so no plan was made and nothing was changed; run the synchronization again once the directory can be read completely."
        case .invalidFilter(let error):
            "The source's filter is invalid: \(error)"
        }
    }
}
