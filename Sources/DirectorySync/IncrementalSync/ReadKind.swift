/// How a synchronization read the directory.
///
/// JSON: `{"kind": "full", "reason": "firstRun"}`, `{"kind": "incremental", "changes": 12}` or
/// `{"kind": "lookup", "objects": 3}`.
public enum ReadKind: Hashable, Codable, Sendable, CustomStringConvertible {
    /// Everything was read.
    case full(FullReadReason)
    /// Only the changes since the previous run were read.
    case incremental(changes: Int)
    /// Only one object and what its fate depends on were looked up (on-demand synchronization).
    case lookup(objects: Int)

    /// Whether everything was read.
    public var isFull: Bool {
        if case .full = self { return true }
        return false
    }

    /// `full (first run)`, `incremental (12 changes)`, …
    public var description: String {
        switch self {
        case .full(let reason): "full (\(reason.description))"
        case .incremental(let changes): "incremental (\(changes) change\(changes == 1 ? "" : "s"))"
        case .lookup(let objects): "lookup (\(objects) object\(objects == 1 ? "" : "s"))"
        }
    }
}

extension ReadKind {
    private enum CodingKeys: String, CodingKey { case kind, reason, changes, objects }

    /// Decodes the designed form, or the form written before it (`{"full": {"_0": "firstRun"}}`).
    /// - Parameter decoder: The decoder.
    /// - Throws: `DecodingError` when the document is neither.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let kind = try container.decodeIfPresent(String.self, forKey: .kind) {
            switch kind {
            case "full": self = .full(try container.decode(FullReadReason.self, forKey: .reason))
            case "incremental": self = .incremental(changes: try container.decode(Int.self, forKey: .changes))
            case "lookup": self = .lookup(objects: try container.decode(Int.self, forKey: .objects))
            default: throw DecodingError.unknownCase(kind, of: "read kind", known: ["full", "incremental", "lookup"], codingPath: container.codingPath)
            }
            return
        }
        let (name, values) = try decoder.synthesizedEnumCase(expected: "a read kind")
        switch name {
        case "full": self = .full(try values.decode(FullReadReason.self, forKey: AnyCodingKey("_0")))
        case "incremental": self = .incremental(changes: try values.decode(Int.self, forKey: AnyCodingKey("changes")))
        default: throw DecodingError.unknownCase(name, of: "read kind", known: ["full", "incremental"], codingPath: decoder.codingPath)
        }
    }

    /// Encodes `{"kind": "full", "reason": "firstRun"}`, `{"kind": "incremental", "changes": 12}` or
    /// `{"kind": "lookup", "objects": 3}`.
    /// - Parameter encoder: The encoder.
    /// - Throws: The encoder's errors.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .full(let reason):
            try container.encode("full", forKey: .kind)
            try container.encode(reason, forKey: .reason)
        case .incremental(let changes):
            try container.encode("incremental", forKey: .kind)
            try container.encode(changes, forKey: .changes)
        case .lookup(let objects):
            try container.encode("lookup", forKey: .kind)
            try container.encode(objects, forKey: .objects)
        }
    }
}

/// Why a synchronization read everything instead of only the changes.
public enum FullReadReason: String, Hashable, Codable, Sendable, CustomStringConvertible {
    /// No changes have been tracked for this source yet.
    case firstRun
    /// The source's filter changed since changes were last tracked.
    case filterChanged
    /// The periodic full reconciliation was due (after a number of incremental runs or some time).
    case reconciliation
    /// The directory's change tracking expired (Graph: delta links live 7 days).
    case trackingExpired
    /// The directory reset change tracking (Graph: 410 Gone).
    case trackingReset
    /// The caller asked for a full read.
    case requested
    /// The provider cannot track changes.
    case notTracked
    /// The saved tracking state could not be read back (it is replaced).
    case stateUnreadable

    /// In words.
    public var description: String {
        switch self {
        case .firstRun: "first run"
        case .filterChanged: "the filter changed"
        case .reconciliation: "periodic full reconciliation"
        case .trackingExpired: "change tracking expired"
        case .trackingReset: "change tracking was reset by the directory"
        case .requested: "requested"
        case .notTracked: "the provider does not track changes"
        case .stateUnreadable: "the saved tracking state was unreadable"
        }
    }
}
