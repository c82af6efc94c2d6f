import Foundation

/// Redirects, as every transport of the package follows them: itself, not through `URLSession`
/// (which, on Linux, repeats a 307's method without its body: a POST arrived empty).
///
/// A redirect is followed only as ``URLPolicy/followsRedirect(from:to:)`` allows — to the same
/// origin, never to another host that would receive the request's bearer token. 307 and 308 repeat
/// the method and body; 301, 302 and 303 become a `GET` without a body (a `HEAD` stays one). After
/// ``limit`` redirects the last answer is returned as it is.
package enum Redirects {
    /// How many redirects one request follows.
    package static let limit = 10

    /// Sends `request` through `send`, following its redirects.
    package static func follow(_ request: HTTPRequest, through send: (HTTPRequest) async throws -> HTTPResponse) async throws -> HTTPResponse {
        var request = request
        for _ in 0..<limit {
            let response = try await send(request)
            guard let next = next(after: request, answered: response) else { return response }
            request = next
        }
        return try await send(request)
    }

    /// The request a redirect asks for, or `nil` when `response` is none or may not be followed.
    package static func next(after request: HTTPRequest, answered response: HTTPResponse) -> HTTPRequest? {
        guard [301, 302, 303, 307, 308].contains(response.status), let location = response.headers["Location"],
            let target = URL(string: location, relativeTo: request.url)?.absoluteURL, URLPolicy.followsRedirect(from: request.url, to: target)
        else { return nil }
        var next = request
        next.url = target
        if response.status < 307, request.method != .head {
            next.method = .get
            next.body = nil
            next.headers["Content-Type"] = nil
            next.isRetryable = true
        }
        return next
    }
}
