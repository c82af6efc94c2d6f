import DirectorySync
import DirectorySyncHTTP
import Foundation

/// Entry points for the fuzz targets (`Fuzz/`): every decoder of Graph and Entra answers, fed
/// arbitrary bytes. They must return (or throw inside) — never crash or hang.
package enum EntraFuzzing {
    /// Graph pages (users, group delta, user delta entries) and their mapping to the model.
    package static func graphPages(_ data: Data) {
        let decoder = JSONDecoder()
        if let page = try? decoder.decode(GraphPage<GraphUser>.self, from: data) { _ = page.value.map(\.directoryUser) }
        if let page = try? decoder.decode(GraphPage<GraphDeltaGroup>.self, from: data) { _ = page.value.map(\.directoryGroup) }
        if let page = try? decoder.decode(GraphPage<GraphDeltaUserEntry>.self, from: data) {
            var mirror = DirectoryMirror(DirectorySnapshot())
            mirror.apply(DirectoryChanges(page.value.map(\.change)))
        }
        if let page = try? decoder.decode(GraphPage<GraphDeltaGroupEntry>.self, from: data) {
            var ignored = 0
            var mirror = DirectoryMirror(DirectorySnapshot())
            mirror.apply(DirectoryChanges(page.value.flatMap { $0.changes(ignored: &ignored) }))
        }
    }

    /// Token-endpoint errors, Graph errors for every status that matters, and token claims.
    package static func tokensAndErrors(_ data: Data) {
        for status in [400, 401, 403, 404, 410, 429, 500, 503] {
            let response = HTTPResponse(status: status, headers: ["Location": String(decoding: data.prefix(64), as: UTF8.self)], body: data)
            _ = GraphSession.graphError(response).description
            _ = TokenSource.tokenError(response).description
        }
        _ = TokenSource.roles(in: String(decoding: data, as: UTF8.self))
    }
}
