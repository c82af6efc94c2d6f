/// Directory object ids in order — a group's members — kept packed: while every id is a
/// lower-case GUID, the form Graph uses, each takes 16 bytes and no string of its own; a list
/// given any other id keeps its ids as strings from then on. Either way it is a collection of
/// the ids' strings, as `[String]` is: equal to another list of the same ids in the same order,
/// written to JSON as an array of strings, mutable in place.
///
/// A tenant of a million users with ten memberships each has ten million member ids. As strings
/// each is a reference to a heap object that a plan must read, at a scattered address, before it
/// can look the id up; packed, a group's ids lie one after another and a lookup reads none.
public struct DirectoryObjectIDs: Sendable {
    private var storage: Storage

    private enum Storage: Sendable {
        /// Every id a lower-case GUID, packed.
        case guids([PackedGUID])
        /// Ids as given (some may be GUIDs).
        case strings([String])
    }

    /// Creates an empty list.
    public init() { storage = .guids([]) }

    /// Creates a list of these ids, in order.
    /// - Parameter ids: The ids.
    public init<Ids: Sequence>(_ ids: Ids) where Ids.Element == String {
        if let list = ids as? DirectoryObjectIDs, list.packedGUIDs != nil {
            self = list
            return
        }
        var packed: [PackedGUID] = []
        packed.reserveCapacity(ids.underestimatedCount)
        var iterator = ids.makeIterator()
        while let id = iterator.next() {
            if let guid = PackedGUID(id) {
                packed.append(guid)
                continue
            }
            var strings = packed.map(\.id)
            strings.append(id)
            while let id = iterator.next() { strings.append(id) }
            storage = .strings(strings)
            return
        }
        storage = .guids(packed)
    }

    /// The ids packed, or `nil` when the list keeps strings.
    package var packedGUIDs: [PackedGUID]? {
        if case .guids(let guids) = storage { guids } else { nil }
    }

    /// Each id's key (``ObjectKey``), made without a string for a packed id.
    package var objectKeys: [ObjectKey] {
        switch storage {
        case .guids(let guids): guids.map(ObjectKey.guid)
        case .strings(let strings): strings.map(ObjectKey.init)
        }
    }

    /// Appends an id whose key was made before (`key == ObjectKey(id)`), without parsing it again
    /// (nor making its string, for a GUID kept packed).
    package mutating func append(_ id: @autoclosure () -> String, key: ObjectKey) {
        if case .guid(let guid) = key, case .guids = storage {
            modifyGUIDs { $0.append(guid) }
        } else {
            modifyStrings { $0.append(id()) }
        }
    }

    /// Appends the ids of `other` that the list does not hold yet, in their order.
    package mutating func join(_ other: DirectoryObjectIDs) {
        var known = Set(objectKeys)
        for (position, key) in other.objectKeys.enumerated() where known.insert(key).inserted { append(other[position], key: key) }
    }

    /// Removes every `id` from the list, as `removeAll { $0 == id }` does, without making the
    /// string of each id it compares.
    /// - Parameter id: An object id.
    public mutating func removeAll(_ id: String) {
        if case .guids = storage {
            guard let guid = PackedGUID(id) else { return }
            modifyGUIDs { $0.removeAll { $0 == guid } }
        } else {
            modifyStrings { $0.removeAll { $0 == id } }
        }
    }

    /// Whether the list holds `id`.
    /// - Parameter id: An object id.
    public func contains(_ id: String) -> Bool { firstIndex(of: id) != nil }

    /// The position of the first `id` in the list, if any.
    /// - Parameter id: An object id.
    public func firstIndex(of id: String) -> Int? {
        switch storage {
        case .guids(let guids):
            guard let guid = PackedGUID(id) else { return nil }
            return guids.firstIndex(of: guid)
        case .strings(let strings):
            return strings.firstIndex(of: id)
        }
    }

    /// Sorts the ids in place, in the order of their strings (`<`), as `[String].sort()` does.
    public mutating func sort() {
        switch storage {
        case .guids:
            modifyGUIDs { $0.sort() }
        case .strings:
            modifyStrings { $0.sort() }
        }
    }

    /// Runs `body` on the packed ids, which the list must keep (no copy: the list lets go of them meanwhile).
    private mutating func modifyGUIDs<Result>(_ body: (inout [PackedGUID]) -> Result) -> Result {
        guard case .guids(var guids) = storage else { preconditionFailure("the list keeps strings") }
        storage = .guids([])
        defer { storage = .guids(guids) }
        return body(&guids)
    }

    /// Runs `body` on the ids as strings, and keeps them so.
    private mutating func modifyStrings(_ body: (inout [String]) -> Void) {
        var strings: [String]
        switch storage {
        case .guids(let guids): strings = guids.map(\.id)
        case .strings(let kept): strings = kept
        }
        storage = .strings([])
        body(&strings)
        storage = .strings(strings)
    }
}

extension DirectoryObjectIDs: RandomAccessCollection, MutableCollection, RangeReplaceableCollection {
    /// The position of the first id: 0.
    public var startIndex: Int { 0 }

    /// One past the position of the last id: the number of ids.
    public var endIndex: Int {
        switch storage {
        case .guids(let guids): guids.count
        case .strings(let strings): strings.count
        }
    }

    /// The id at a position.
    /// - Parameter position: A valid position.
    public subscript(position: Int) -> String {
        get {
            switch storage {
            case .guids(let guids): guids[position].id
            case .strings(let strings): strings[position]
            }
        }
        set {
            if case .guids = storage, let guid = PackedGUID(newValue) {
                modifyGUIDs { $0[position] = guid }
            } else {
                modifyStrings { $0[position] = newValue }
            }
        }
    }

    /// Replaces the ids in `subrange` with `newElements`.
    /// - Parameters:
    ///   - subrange: The positions to replace.
    ///   - newElements: The ids to put there.
    public mutating func replaceSubrange<Ids: Collection>(_ subrange: Range<Int>, with newElements: Ids) where Ids.Element == String {
        let ids = DirectoryObjectIDs(newElements)
        if case .guids = storage, case .guids(let packed) = ids.storage {
            modifyGUIDs { $0.replaceSubrange(subrange, with: packed) }
        } else {
            modifyStrings { $0.replaceSubrange(subrange, with: ids) }
        }
    }

    /// Appends the ids of `newElements`, in order: the packed ids of a list as they are kept, other
    /// ids parsed once, in one copy (the collections' own version appends them one by one).
    /// - Parameter newElements: The ids to add.
    public mutating func append<Ids: Sequence>(contentsOf newElements: Ids) where Ids.Element == String {
        let ids = DirectoryObjectIDs(newElements)
        if case .guids = storage, case .guids(let packed) = ids.storage {
            modifyGUIDs { $0.append(contentsOf: packed) }
        } else {
            modifyStrings { $0.append(contentsOf: ids) }
        }
    }

    /// Appends an id.
    /// - Parameter id: An object id.
    public mutating func append(_ id: String) { append(id, key: ObjectKey(id)) }

    /// Makes room for `minimumCapacity` ids.
    /// - Parameter minimumCapacity: The number of ids to make room for.
    public mutating func reserveCapacity(_ minimumCapacity: Int) {
        switch storage {
        case .guids: modifyGUIDs { $0.reserveCapacity(minimumCapacity) }
        case .strings: modifyStrings { $0.reserveCapacity(minimumCapacity) }
        }
    }
}

extension DirectoryObjectIDs: Hashable {
    /// Whether both lists hold the same ids in the same order.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs.storage, rhs.storage) {
        case (.guids(let left), .guids(let right)): return left == right
        case (.strings(let left), .strings(let right)): return left == right
        default: return lhs.count == rhs.count && lhs.elementsEqual(rhs)
        }
    }

    /// Hashes the ids in order: a list's hash does not depend on whether it keeps strings.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        switch storage {
        case .guids(let guids):
            for guid in guids { hasher.combine(guid) }
        case .strings(let strings):
            for id in strings {
                if let guid = PackedGUID(id) { hasher.combine(guid) } else { hasher.combine(id) }
            }
        }
    }
}

extension DirectoryObjectIDs: ExpressibleByArrayLiteral {
    /// Creates a list of the ids written out.
    /// - Parameter ids: The ids.
    public init(arrayLiteral ids: String...) { self.init(ids) }
}

extension DirectoryObjectIDs: Codable {
    /// Reads a JSON array of strings.
    /// - Parameter decoder: The decoder.
    public init(from decoder: any Decoder) throws { self.init(try decoder.singleValueContainer().decode([String].self)) }

    /// Writes the ids as a JSON array of strings.
    /// - Parameter encoder: The encoder.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if case .guids(let guids) = storage, let strings = encoder.userInfo[ObjectIDStrings.key] as? ObjectIDStrings {
            try container.encode(guids.map(strings.string))
        } else {
            try container.encode(Array(self))
        }
    }
}

/// The strings of packed ids, made once per document for all the lists that name an id.
///
/// `JSONEncoder` holds every string of a document until it writes the document: a mirror of
/// 100,000 users with a million memberships made a million id strings at once (80 MB more at the
/// save), where its users have 100,000 ids. An encoder given one of these in its `userInfo`
/// (under ``key``) makes one string per id.
package final class ObjectIDStrings: Sendable {
    /// Where an encoder's `userInfo` holds it.
    package static let key = CodingUserInfoKey(rawValue: "DirectorySync.ObjectIDStrings")!

    private let strings = Locked([PackedGUID: String]())

    /// A table with no string made yet.
    package init() {}

    /// The id's string: the one made before for it, if any.
    func string(_ guid: PackedGUID) -> String {
        strings.withLock { strings in
            if let string = strings[guid] { return string }
            let string = guid.id
            strings[guid] = string
            return string
        }
    }
}

extension DirectoryObjectIDs: CustomStringConvertible, CustomReflectable {
    /// The ids as an array of strings prints: `["…", "…"]`.
    public var description: String { Array(self).description }

    /// What `dump` shows: the ids, as for an array.
    public var customMirror: Mirror { Mirror(self, unlabeledChildren: Array(self), displayStyle: .collection) }
}
