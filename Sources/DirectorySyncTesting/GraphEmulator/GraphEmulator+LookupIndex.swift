import DirectorySync
import Foundation

extension GraphEmulator {
    /// Where a tenant's users and groups are by the values lookups ask for, built once per tenant
    /// version (as `parentIndex(_:)` is): so `$filter=userPrincipalName eq 'k' or mail eq 'k' or
    /// proxyAddresses/any(p:p eq 'smtp:k')`, `displayName eq 'k'`, `displayName in (…)` and
    /// `/users/{userPrincipalName}` cost the size of their answer, not a scan of the tenant.
    ///
    /// The index only narrows: the filter is still evaluated, on the candidates, so an answer is
    /// the scan's — same items, same order (by id), same paging and `@odata.count`. A filter with
    /// any part the index cannot answer (`ne`, `not`, `startsWith`, other properties) is scanned.
    struct LookupIndex {
        var version: Int
        /// Positions in `sortedUsers(_:)`.
        var users = ValueIndex()
        /// Positions in `sortedGroups(_:)`.
        var groups = ValueIndex()

        /// User properties whose value is one string (lower-cased names, as filters compare them).
        static let userScalars: Set<String> = ["id", "userprincipalname", "mail", "onpremisessamaccountname"]
        /// User properties whose value is a collection of strings (tested with `any`).
        static let userCollections: Set<String> = ["proxyaddresses", "othermails"]
        /// Group properties whose value is one string.
        static let groupScalars: Set<String> = ["id", "displayname", "mail"]
    }

    /// Positions of objects by a property's value, ignoring case as filters compare
    /// (`a.lowercased() == b.lowercased()`). Keyed by the hash of the property and the lower-cased
    /// value, which equal values share: a lookup returns every position holding the value, and
    /// perhaps a few more on a hash collision, which the filter then drops.
    struct ValueIndex {
        private var first: [Int: Int32] = [:]
        private var more: [Int: [Int32]] = [:]

        private static func key(_ property: String, _ value: String) -> Int {
            var hasher = Hasher()
            hasher.combine(property)
            hasher.combine(value.lowercased())
            return hasher.finalize()
        }

        mutating func insert(_ property: String, _ value: String, at position: Int) {
            let key = Self.key(property, value)
            if first[key] == nil { first[key] = Int32(position) } else { more[key, default: []].append(Int32(position)) }
        }

        /// The positions that may hold `value` for `property` (lower-cased), unsorted, perhaps repeated.
        func positions(_ property: String, _ value: String) -> [Int32] {
            let key = Self.key(property, value)
            guard let position = first[key] else { return [] }
            return [position] + (more[key] ?? [])
        }

        /// The positions of the objects that may match `filter`, or `nil` when a part of it is not
        /// an equality on an indexed property (the caller scans then).
        func candidates(
            _ filter: ODataFilter, scalars: Set<String>, collections: Set<String>, lambda: (variable: String, property: String)? = nil
        ) -> [Int32]? {
            // Inside `any`, only the lambda's variable is allowed (the parser checked): it stands for an item.
            func indexed(_ property: String) -> String? {
                if let lambda { return property == lambda.variable ? lambda.property : nil }
                return scalars.contains(property.lowercased()) ? property.lowercased() : nil
            }
            switch filter {
            case .compare(let property, let op, .string(let value)):
                guard op == "eq", let property = indexed(property) else { return nil }
                return positions(property, value)
            case .membership(let property, let values):
                guard let property = indexed(property) else { return nil }
                var found: [Int32] = []
                for value in values {
                    guard case .string(let text) = value else { return nil }
                    found += positions(property, text)
                }
                return found
            case .any(let property, let variable, let inner):
                guard lambda == nil, collections.contains(property.lowercased()) else { return nil }
                return candidates(inner, scalars: scalars, collections: collections, lambda: (variable, property.lowercased()))
            case .or(let a, let b):
                guard let left = candidates(a, scalars: scalars, collections: collections, lambda: lambda),
                    let right = candidates(b, scalars: scalars, collections: collections, lambda: lambda)
                else { return nil }
                return left + right
            case .and(let a, let b):
                // Either side narrows enough; the filter decides the rest.
                let left = candidates(a, scalars: scalars, collections: collections, lambda: lambda)
                let right = candidates(b, scalars: scalars, collections: collections, lambda: lambda)
                guard let left, let right else { return left ?? right }
                return left.count <= right.count ? left : right
            default:
                return nil
            }
        }
    }

    /// The tenant's lookup index, built once per tenant version.
    func lookupIndex(_ state: TenantState) -> LookupIndex {
        if let cached = lookupIndexCache[state.tenant.id], cached.version == state.version { return cached }
        var index = LookupIndex(version: state.version)
        // The values are the filter's own (`filterValue`), so the index and the scan cannot disagree.
        for (position, user) in sortedUsers(state).enumerated() {
            for property in LookupIndex.userScalars {
                if case .string(let value) = Self.filterValue(user, property, synchronized: []) { index.users.insert(property, value, at: position) }
            }
            for property in LookupIndex.userCollections {
                if case .collection(let items) = Self.filterValue(user, property, synchronized: []) {
                    for item in items { index.users.insert(property, item, at: position) }
                }
            }
        }
        for (position, record) in sortedGroups(state).enumerated() {
            for property in LookupIndex.groupScalars {
                if case .string(let value) = Self.filterValue(record.group, property) { index.groups.insert(property, value, at: position) }
            }
        }
        lookupIndexCache[state.tenant.id] = index
        return index
    }

    /// The users that may match `filter`, in id order, from the index; `nil` when it cannot say
    /// (or indexes are off) and the caller must scan.
    func indexedUsers(_ filter: ODataFilter, _ state: TenantState) -> [DirectoryUser]? {
        guard answersFromIndexes,
            let positions = lookupIndex(state).users.candidates(filter, scalars: LookupIndex.userScalars, collections: LookupIndex.userCollections)
        else { return nil }
        let users = sortedUsers(state)
        return Self.ascending(positions).map { users[Int($0)] }
    }

    /// The groups that may match `filter`, in id order, from the index; `nil` when the caller must scan.
    func indexedGroups(_ filter: ODataFilter, _ state: TenantState) -> [GroupRecord]? {
        guard answersFromIndexes, let positions = lookupIndex(state).groups.candidates(filter, scalars: LookupIndex.groupScalars, collections: [])
        else { return nil }
        let groups = sortedGroups(state)
        return Self.ascending(positions).map { groups[Int($0)] }
    }

    /// Positions sorted, each once.
    private static func ascending(_ positions: [Int32]) -> [Int32] {
        var seen: Set<Int32> = []
        return positions.filter { seen.insert($0).inserted }.sorted()
    }
}
