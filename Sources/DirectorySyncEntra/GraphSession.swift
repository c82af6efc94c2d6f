import DirectorySync
import DirectorySyncHTTP
import Foundation

/// Authenticated Graph GETs: the bearer token on every request, one renewal on 401, errors mapped
/// to ``EntraError`` by status and Graph error code (never by message), requests and resource
/// units counted.
struct GraphSession: Sendable {
    let transport: any HTTPTransport
    let tokens: TokenSource
    let counters = Locked(ReadStatistics())

    func get(_ url: URL, headers: HTTPHeaders = [:]) async throws -> HTTPResponse {
        var renewed = false
        while true {
            try Task.checkCancellation()
            let token = try await tokens.token()
            var headers = headers
            headers["Authorization"] = "Bearer \(token.value.reveal())"
            headers["Accept"] = "application/json"
            let response: HTTPResponse
            do {
                response = try await transport.send(HTTPRequest(url: url, headers: headers))
            } catch let error as HTTPTransportError {
                throw EntraError(.network, detail: "Microsoft Graph could not be reached: \(error.detail)", underlying: error)
            }
            counters.withLock {
                $0.requests += 1
                $0.resourceUnits += Int(response.headers["x-ms-resource-unit"] ?? "") ?? 0
            }
            if response.status == 401 && !renewed {
                await tokens.invalidate(token)
                renewed = true
                continue
            }
            guard response.isSuccess else { throw Self.graphError(response) }
            return response
        }
    }

    func decode<T: Decodable>(_ type: T.Type, _ response: HTTPResponse) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: response.body)
        } catch {
            throw EntraError(
                .unexpectedResponse, detail: "a Graph page is not valid JSON (malformed or cut short)", status: response.status,
                requestID: response.headers["request-id"], diagnostics: String(decoding: response.body.prefix(300), as: UTF8.self))
        }
    }

    /// Reads a page of users, groups, members or delta entries with ``GraphJSONReader``.
    func page<Item: GraphJSONReadable>(_ type: Item.Type, _ response: HTTPResponse) throws -> GraphPage<Item> {
        let page = try self.page(type, response) { $0 }
        return GraphPage(value: page.value, nextLink: page.nextLink, deltaLink: page.deltaLink)
    }

    /// Reads a page with ``GraphJSONReader``, each item through `transform` as soon as it is read
    /// (what a read keeps of a page — users, groups — without an array of Graph's items first).
    func page<Item: GraphJSONReadable, Output>(_ type: Item.Type, _ response: HTTPResponse, _ transform: (consuming Item) -> Output) throws
        -> (value: [Output], nextLink: String?, deltaLink: String?)
    {
        do {
            return try GraphJSONReader.read(response.body) { try GraphPage<Item>.read(&$0, transform) }
        } catch let error as GraphJSONError {
            throw EntraError(
                .unexpectedResponse, detail: "a Graph page is not valid JSON (malformed or cut short) — \(error)", status: response.status,
                requestID: response.headers["request-id"], diagnostics: String(decoding: response.body.prefix(300), as: UTF8.self))
        }
    }

    /// Reads one object (`GET /users/{id}`, `/groups/{id}`) with ``GraphJSONReader``.
    func object<Item: GraphJSONReadable>(_ type: Item.Type, _ response: HTTPResponse) throws -> Item {
        do {
            return try GraphJSONReader.read(response.body) { try Item(reading: &$0) }
        } catch let error as GraphJSONError {
            throw EntraError(
                .unexpectedResponse, detail: "a Graph object is not valid JSON (malformed or cut short) — \(error)", status: response.status,
                requestID: response.headers["request-id"], diagnostics: String(decoding: response.body.prefix(300), as: UTF8.self))
        }
    }

    static func graphError(_ response: HTTPResponse) -> EntraError {
        struct Body: Decodable {
            struct Inner: Decodable {
                var code: String?
                var message: String?
            }
            var error: Inner?
        }
        let body = try? JSONDecoder().decode(Body.self, from: response.body)
        let code = body?.error?.code
        let requestID = response.headers["request-id"]
        let message = body?.error?.message ?? "HTTP \(response.status)"
        let mapped: EntraError.Code
        switch (response.status, code) {
        case (401, _): mapped = .authenticationFailed
        case (403, _): mapped = .missingPermission
        case (410, _), (400, "syncStateNotFound"), (_, "resyncRequired"): mapped = .deltaExpired
        case (429, _), (503, _), (504, _): mapped = .throttled
        default: mapped = .graphError
        }
        var error = EntraError(mapped, detail: "Graph answered \(response.status): \(message)", status: response.status, serviceCode: code, requestID: requestID, diagnostics: response.description)
        if mapped == .deltaExpired, let location = response.headers["Location"] { error.diagnostics = "restart at \(location)" }
        return error
    }
}

/// One page of a Graph collection.
struct GraphPage<Item: Decodable>: Decodable {
    var value: [Item]
    var nextLink: String?
    var deltaLink: String?

    enum CodingKeys: String, CodingKey {
        case value
        case nextLink = "@odata.nextLink"
        case deltaLink = "@odata.deltaLink"
    }

    init(value: [Item], nextLink: String?, deltaLink: String?) {
        self.value = value
        self.nextLink = nextLink
        self.deltaLink = deltaLink
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        value = try container.decodeIfPresent([Item].self, forKey: .value) ?? []
        nextLink = try container.decodeIfPresent(String.self, forKey: .nextLink)
        deltaLink = try container.decodeIfPresent(String.self, forKey: .deltaLink)
    }
}

extension GraphPage: Sendable where Item: Sendable {}
