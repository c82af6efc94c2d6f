import DirectorySync
import DirectorySyncHTTP
import Foundation

/// Decoding hooks for the fuzz targets (`Fuzz/`) and the reader tests: every decoder of Graph and
/// Entra answers, reachable from outside the module without making the wire types public.
///
/// The hooks only decode and report; they never trap. The checks that stop a fuzz run (the readers
/// disagree) live in `Fuzz/`.
package enum EntraDecodingHooks {
    /// Reads `data` as every Graph page shape (users, group delta, delta entries) with the reader a
    /// synchronization uses, and maps what it reads to the model as a synchronization does.
    package static func readPages(_ data: Data) {
        if let page = try? GraphPage<GraphUser>(reading: data) { _ = page.value.map(\.directoryUser) }
        if let page = try? GraphPage<GraphDeltaGroup>(reading: data) { _ = page.value.map(\.directoryGroup) }
        if let page = try? GraphPage<GraphDeltaUserEntry>(reading: data) {
            var mirror = DirectoryMirror(DirectorySnapshot())
            mirror.apply(DirectoryChanges(page.value.map(\.change)))
        }
        if let page = try? GraphPage<GraphDeltaGroupEntry>(reading: data) {
            var ignored = 0
            var mirror = DirectoryMirror(DirectorySnapshot())
            mirror.apply(DirectoryChanges(page.value.flatMap { $0.changes(ignored: &ignored) }))
        }
    }

    /// How ``GraphJSONReader`` and `JSONDecoder` read one document as each page shape.
    package struct PageReaderComparison {
        /// Shapes where both read the document and the results differ, or only the reader accepted it.
        package var disagreements: [String] = []
        /// Shapes only `JSONDecoder` accepted (it is laxer: trailing commas, bad numbers in skipped values).
        package var rejectedByReaderOnly: [String] = []
        /// Shapes both accepted.
        package var accepted: [String] = []
    }

    /// Reads `data` as every page shape with both readers and compares what they return; where
    /// both read it, the next link found before reading the page (``GraphJSONReader/nextLink(in:)``)
    /// must be the one the whole page has.
    package static func comparePageReaders(_ data: Data) -> PageReaderComparison {
        var comparison = PageReaderComparison()
        let early = GraphJSONReader.nextLink(in: data)
        func compare<Item: GraphJSONReadable>(_ type: Item.Type, _ canonical: (Item) -> String) {
            let name = "GraphPage<\(Item.self)>"
            let fast = try? GraphPage<Item>(reading: data)
            let reference = try? JSONDecoder().decode(GraphPage<Item>.self, from: data)
            switch (fast, reference) {
            case (let fast?, let reference?):
                let a = [fast.nextLink ?? "-", fast.deltaLink ?? "-"] + fast.value.map(canonical)
                let b = [reference.nextLink ?? "-", reference.deltaLink ?? "-"] + reference.value.map(canonical)
                if a != b {
                    comparison.disagreements.append("\(name): \(a) ≠ \(b)")
                } else if early != fast.nextLink {
                    comparison.disagreements.append("\(name): the next link found early, \(early ?? "none"), is not the page's \(fast.nextLink ?? "none")")
                } else {
                    comparison.accepted.append(name)
                }
            case (.some, nil): comparison.disagreements.append("\(name): only GraphJSONReader accepted the document")
            case (nil, .some): comparison.rejectedByReaderOnly.append(name)
            case (nil, nil): break
            }
        }
        compare(GraphUser.self) { "\($0)" }
        compare(GraphDeltaGroup.self) { "\($0)" }
        compare(GraphMember.self) { "\($0)" }
        // Key sets print in any order: compare them sorted.
        compare(GraphDeltaUserEntry.self) { "\($0.user) \($0.removed.map { "\($0)" } ?? "-") \($0.keys.intersection(GraphUser.select).sorted())" }
        compare(GraphDeltaGroupEntry.self) { "\($0.group) \($0.keys.intersection(GraphDeltaGroup.select).sorted())" }
        return comparison
    }

    /// Reads `data` as token-endpoint errors, Graph errors for every status that matters, and token claims.
    package static func readErrorsAndClaims(_ data: Data) {
        for status in [400, 401, 403, 404, 410, 429, 500, 503] {
            let response = HTTPResponse(status: status, headers: ["Location": String(decoding: data.prefix(64), as: UTF8.self)], body: data)
            _ = GraphSession.graphError(response).description
            _ = TokenSource.tokenError(response).description
        }
        _ = TokenSource.claims(in: String(decoding: data, as: UTF8.self))
    }
}
