import DirectorySync
import DirectorySyncHTTP
import Foundation

extension GraphDirectoryProvider {
    /// Pages read ahead of the one handed on: enough to keep every core reading while the next
    /// page arrives, few enough that the pages held stay a few megabytes.
    static let pagesAhead = max(2, min(ProcessInfo.processInfo.activeProcessorCount, 4)) + 1

    /// Reads a paged collection from `first` to its last page and hands the pages to `consume` in
    /// order, as a loop of request, read, next link would — but faster: the requests still go one
    /// after another, each next link found at the start of its page (``GraphJSONReader/nextLink(in:)``)
    /// before the page is read, and `read` runs on the other cores while the next pages arrive,
    /// at most ``pagesAhead`` pages ahead of `consume`.
    ///
    /// A failure stops the read with the error of the first page in order that failed — its
    /// request, its reading, its next link (``follow(_:trail:loopFix:)``) or `consume` — as the simple
    /// loop would; pages after it may have been requested already.
    /// - Parameters:
    ///   - first: The first page.
    ///   - headers: Headers sent with every page's request.
    ///   - loopFix: The advice when Graph repeats a page (``follow(_:trail:loopFix:)``), when this
    ///     read knows better than `pagingLoop`'s usual one.
    ///   - read: Reads a page's answer (on another task): what `consume` gets, and the next link
    ///     the page holds — the same one ``GraphJSONReader/nextLink(in:)`` found, or the read fails.
    ///   - consume: Takes each page, in order.
    func readPages<Page: Sendable>(
        from first: URL, headers: HTTPHeaders = [:], loopFix: String? = nil, read: @escaping @Sendable (HTTPResponse) throws -> (page: Page, nextLink: String?),
        consume: (Page) throws -> Void
    ) async throws {
        let session = self.session
        var trail: Set<String> = [first.absoluteString]
        try await withThrowingTaskGroup(of: (Int, Result<(page: Page, nextLink: String?), any Error>, String?).self) { group in
            var next: URL? = first
            var requested = 0
            var handedOn = 0
            var finished: [Int: (Result<(page: Page, nextLink: String?), any Error>, String?)] = [:]
            // A request that failed, or a next link refused: the error of the page after the last one requested.
            var stopped: (any Error)?
            while true {
                while let (result, expected) = finished.removeValue(forKey: handedOn) {
                    let read = try result.get()
                    guard read.nextLink == expected else {
                        throw EntraError(.unexpectedResponse, detail: "a Graph page's next link differs between its first members and the whole page")
                    }
                    handedOn += 1
                    try consume(read.page)
                }
                if let link = next, stopped == nil, requested - handedOn < Self.pagesAhead {
                    next = nil
                    do {
                        let response = try await session.get(link, headers: headers)
                        let nextLink = GraphJSONReader.nextLink(in: response.body)
                        let index = requested
                        requested += 1
                        group.addTask { (index, Result { try read(response) }, nextLink) }
                        next = try nextLink.map { try follow($0, trail: &trail, loopFix: loopFix) }
                    } catch {
                        stopped = error
                    }
                    continue
                }
                if handedOn == requested {
                    if let stopped { throw stopped }
                    return
                }
                guard let (index, result, expected) = try await group.next() else { return }
                finished[index] = (result, expected)
            }
        }
    }
}
