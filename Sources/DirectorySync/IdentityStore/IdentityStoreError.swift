/// An identity store refused a read or a write.
///
/// Branch on ``code``; the ``description`` names the cause and what to do about it.
public struct IdentityStoreError: DirectorySyncError {
    /// The stable codes of this error (``ErrorCode``); each is a static constant.
    public typealias Code = ErrorCode<IdentityStoreError>

    /// What went wrong.
    public var code: Code
    /// Details from the store (never secrets).
    public var detail: String
    /// The identity the operation was about, when known.
    public var identityID: IdentityID?
    /// The identity that holds a contested email, alias or group name, when known.
    public var conflictingIdentityID: IdentityID?
    private var storedUnderlying: UnderlyingError

    /// The error that caused this one, such as the transport error of a store that could not be
    /// reached or a host database's own error.
    public var underlying: (any Error)? { storedUnderlying.error }

    /// Creates an error.
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - detail: Details from the store.
    ///   - identityID: The identity the operation was about.
    ///   - conflictingIdentityID: The identity holding a contested value.
    ///   - underlying: The error that caused this one.
    public init(
        _ code: Code, detail: String, identityID: IdentityID? = nil, conflictingIdentityID: IdentityID? = nil, underlying: (any Error)? = nil
    ) {
        self.code = code
        self.detail = detail
        self.identityID = identityID
        self.conflictingIdentityID = conflictingIdentityID
        storedUnderlying = UnderlyingError(underlying)
    }

    /// What the caller can do about it.
    public var fix: String {
        switch code {
        case .notFound: "Read the store again: the identity was deleted or never existed."
        case .addressInUse: "Emails and aliases must be unique in the store; change or remove the address on one of the two users."
        case .groupNameInUse: "Group names must be unique in the store; rename one of the two groups."
        case .groupNotEmpty: "Remove the group's members first."
        case .invalidValue: "Correct the value and try again."
        case .modifiedConcurrently: "Read the identity again and retry."
        case .unavailable: "Check that the store is reachable and retry; the next synchronization repairs what was left undone."
        case .forbidden: "Check the store's credentials and permissions."
        case .damaged:
            "Nothing was changed. See the damage with FileIdentityStore.check(folder:) ('dirsync --state DIR store check'); FileIdentityStore.repair(folder:) ('store repair') keeps every write before the damage and backs up the damaged files."
        case .newerFormat: "Nothing was read or changed; upgrade DirectorySync to the version that wrote the store (this one must not repair it)."
        default: "See the detail."
        }
    }

    /// `<detail> (identity …) (held by …). <fix>`
    public var message: String {
        var text = detail
        if let identityID { text += " (identity \(identityID))" }
        if let conflictingIdentityID { text += " (held by \(conflictingIdentityID))" }
        return text.followed(bySentence: fix)
    }
}

extension ErrorCode where Area == IdentityStoreError {
    /// No user or group has the identifier.
    public static let notFound = Self(rawValue: "notFound")
    /// An email or alias is already held by another user.
    public static let addressInUse = Self(rawValue: "addressInUse")
    /// The group name is already held by another group.
    public static let groupNameInUse = Self(rawValue: "groupNameInUse")
    /// The group still has members; only empty groups can be deleted.
    public static let groupNotEmpty = Self(rawValue: "groupNotEmpty")
    /// A value is empty, malformed or repeated.
    public static let invalidValue = Self(rawValue: "invalidValue")
    /// The identity changed since it was read (for example a stale ETag).
    public static let modifiedConcurrently = Self(rawValue: "modifiedConcurrently")
    /// The store cannot be reached or failed; retrying later may help.
    public static let unavailable = Self(rawValue: "unavailable")
    /// The store refused the credentials or the operation.
    public static let forbidden = Self(rawValue: "forbidden")
    /// The store's files are damaged; nothing was read into it or changed.
    public static let damaged = Self(rawValue: "damaged")
    /// The store's files were written by a newer version of DirectorySync; nothing was read or changed.
    public static let newerFormat = Self(rawValue: "newerFormat")
}
