import Foundation

/// Merges the saved list of sources three ways, so replicas that change it concurrently keep each
/// other's changes: `baseline` is the list as this replica last loaded or saved it, `local` the
/// list as it holds it now, `stored` the list saved now (perhaps changed by another replica since).
///
/// Per source and per top-level key of its JSON: a key this replica changed (local differs from
/// baseline) takes the local value, every other key the stored one. Keys that only make sense
/// together change together — the connection (`domain`, `credentials`, `credentialsTestedAt`,
/// `tenant`, `secretGeneration`: credentials and the key of their secret always match) and the
/// standing (`state`, `quarantine`, `failureStreak`). A source added elsewhere appears; one removed
/// elsewhere stays removed (and one removed here stays removed); a source turned off elsewhere
/// stays off whatever state a run here ended in.
struct SourcesMerge {
    /// Keys that change together.
    static let groups: [Set<String>] = [
        ["domain", "credentials", "credentialsTestedAt", "tenant", "secretGeneration"],
        ["state", "quarantine", "failureStreak"],
    ]

    /// The merged list, sorted by name.
    var sources: [Source] = []
    /// The sources turned off elsewhere since the baseline (saved off now, not off in the baseline).
    var turnedOffElsewhere: Set<SourceID> = []

    /// Merges the lists.
    /// - Parameters:
    ///   - baseline: The list as last loaded or saved here.
    ///   - local: The list as held here now.
    ///   - stored: The list saved now.
    /// - Throws: Encoding errors (a source that does not encode, which does not happen).
    init(baseline: [Source], local: [Source], stored: [Source]) throws {
        let baseline = Self.byID(baseline)
        let local = Self.byID(local)
        let stored = Self.byID(stored)
        for id in Set(local.keys).union(stored.keys) {
            switch (baseline[id], local[id], stored[id]) {
            case (_, let mine?, nil):
                // Removed elsewhere (it was known here), or added here.
                if baseline[id] == nil { sources.append(mine) }
            case (let base?, nil, _?):
                // Removed here.
                _ = base
            case (nil, nil, let theirs?):
                sources.append(theirs)
            case (nil, let mine?, _?):
                // Added on both sides under one identifier: this replica's wins.
                sources.append(mine)
            case (let base?, let mine?, let theirs?):
                let merged = try Self.merge(baseline: base, local: mine, stored: theirs)
                sources.append(merged.source)
                if merged.turnedOffElsewhere { turnedOffElsewhere.insert(id) }
            case (_, nil, nil):
                break
            }
        }
        sources.sort { ($0.name.lowercased(), $0.id) < ($1.name.lowercased(), $1.id) }
    }

    /// Merges one source.
    /// - Returns: The merged source (`local` or `stored` themselves when one of them is the
    ///   result), and whether it was turned off elsewhere.
    static func merge(baseline: Source, local: Source, stored: Source) throws -> (source: Source, turnedOffElsewhere: Bool) {
        let base = try fields(of: baseline)
        let mine = try fields(of: local)
        let theirs = try fields(of: stored)
        var merged = theirs
        var handled: Set<String> = []
        for key in Set(base.keys).union(mine.keys).union(theirs.keys).sorted() where !handled.contains(key) {
            let unit = groups.first { $0.contains(key) } ?? [key]
            handled.formUnion(unit)
            if unit.contains(where: { mine[$0] != base[$0] }) {
                for key in unit { merged[key] = mine[key] }
            }
        }
        let off = try canonical(SourceState.off.rawValue)
        let turnedOffElsewhere = theirs["state"] == off && base["state"] != off
        if turnedOffElsewhere {
            // Off set elsewhere wins over whatever a run here ended in.
            let standing = groups.first { $0.contains("state") } ?? []
            for key in standing { merged[key] = theirs[key] }
        }
        if merged == mine { return (local, turnedOffElsewhere) }
        if merged == theirs { return (stored, turnedOffElsewhere) }
        var object: [String: Any] = [:]
        for (key, value) in merged {
            guard let wrapped = try JSONSerialization.jsonObject(with: value, options: [.fragmentsAllowed]) as? [Any], let first = wrapped.first else { continue }
            object[key] = first
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return (try JSONDecoder.deterministic().decode(Source.self, from: data), turnedOffElsewhere)
    }

    /// The source's top-level JSON keys, each with its value's canonical JSON.
    private static func fields(of source: Source) throws -> [String: Data] {
        let data = try JSONEncoder.deterministic(fractionalSeconds: true).encode(source)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return try object.mapValues { try JSONSerialization.data(withJSONObject: [$0], options: [.sortedKeys]) }
    }

    private static func canonical(_ value: String) throws -> Data {
        try JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys])
    }

    private static func byID(_ sources: [Source]) -> [SourceID: Source] {
        Dictionary(sources.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }
}
