// The planner before issue 20, kept verbatim (types renamed) until the new one has proven equal
// (ReferencePlannerDifferentialTests); remove it with that test.
@testable import DirectorySync
import Foundation

/// Decides which unique values (a user's email and aliases, a group's name) each planned identity
/// may take, given who holds each value in the store now.
///
/// A value held by another identity is *released* when that identity is itself planned (and will
/// no longer want the value) or is removed in this run; such a value is taken in a later phase.
/// Otherwise the holder *keeps* it: a primary value (email, group name) then makes the claimant a
/// conflict, and a secondary value (alias) is dropped. A claimant that becomes a conflict keeps its
/// own current values in turn, which can block others; the resolver follows that chain to the end.
struct ReferenceUniqueValueResolver {
    struct Value: Hashable {
        /// Lower-cased, as uniqueness is case-insensitive.
        var key: String
        var isPrimary: Bool
    }

    struct Claimant {
        /// The identity the claimant becomes, if it exists already.
        var target: IdentityID?
        var values: [Value]
    }

    enum Outcome {
        /// A primary value is held by an identity that keeps it.
        case blocked(key: String, holder: IdentityID)
        /// The claimant may proceed.
        case proceed(dropped: [(key: String, holder: IdentityID)], deferred: Set<String>, releasesForOthers: Bool)
    }

    /// - Parameters:
    ///   - claimants: The planned identities; `nil` for objects already left untouched.
    ///   - holders: Who holds each value in the store now.
    ///   - released: Identities removed in this run.
    /// - Returns: One outcome per non-nil claimant.
    static func resolve(
        _ claimants: [Claimant?], holders: [String: IdentityID], released: Set<IdentityID>
    ) -> [Outcome?] {
        var active = claimants.map { $0 != nil }
        var owner: [IdentityID: Int] = [:]
        var wanters: [IdentityID: [Int]] = [:]
        for (index, claimant) in claimants.enumerated() {
            guard let claimant else { continue }
            if let target = claimant.target { owner[target] = index }
            for value in claimant.values where value.isPrimary {
                if let holder = holders[value.key], holder != claimant.target { wanters[holder, default: []].append(index) }
            }
        }
        func releases(_ holder: IdentityID) -> Bool {
            if let index = owner[holder], active[index] { return true }
            return released.contains(holder)
        }

        var blockedBy: [Int: (String, IdentityID)] = [:]
        var queue = Array(claimants.indices.reversed())
        while let index = queue.popLast() {
            guard active[index], let claimant = claimants[index] else { continue }
            for value in claimant.values where value.isPrimary {
                guard let holder = holders[value.key], holder != claimant.target, !releases(holder) else { continue }
                active[index] = false
                blockedBy[index] = (value.key, holder)
                if let target = claimant.target { queue.append(contentsOf: wanters[target] ?? []) }
                break
            }
        }

        var outcomes = [Outcome?](repeating: nil, count: claimants.count)
        var releasers: Set<Int> = []
        var pending: [(Int, [(String, IdentityID)], Set<String>)] = []
        for (index, claimant) in claimants.enumerated() {
            guard let claimant else { continue }
            if let (key, holder) = blockedBy[index] {
                outcomes[index] = .blocked(key: key, holder: holder)
                continue
            }
            var dropped: [(String, IdentityID)] = []
            var deferred: Set<String> = []
            for value in claimant.values {
                guard let holder = holders[value.key], holder != claimant.target else { continue }
                if releases(holder) {
                    deferred.insert(value.key)
                    if let other = owner[holder] { releasers.insert(other) }
                } else {
                    dropped.append((value.key, holder))
                }
            }
            pending.append((index, dropped, deferred))
        }
        for (index, dropped, deferred) in pending {
            outcomes[index] = .proceed(
                dropped: dropped.map { (key: $0.0, holder: $0.1) }, deferred: deferred,
                releasesForOthers: releasers.contains(index))
        }
        return outcomes
    }
}
