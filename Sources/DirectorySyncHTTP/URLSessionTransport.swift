import DirectorySync
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The default ``HTTPTransport``: `URLSession`, `https` only (plain `http` for loopback), our own
/// `User-Agent`, an explicit `Content-Type` on every body, and failures mapped to
/// ``HTTPTransportError`` — `URLError(.cancelled)` becomes `CancellationError`.
///
/// One transport keeps one session, so its connections stay open between requests where the
/// server allows it: make one and share it, rather than one per request. It keeps no response
/// cache and no cookies — every answer is read fresh, and the bearer-token APIs it serves need
/// no cookies.
///
/// Every request is bounded twice, so an interactive command never waits minutes on a host that
/// accepts a connection and then stays silent (or speaks another protocol):
/// ``HTTPTransportConfiguration/connectTimeout`` (10 s) until the answer starts, and ``HTTPTransportConfiguration/timeout``
/// (30 s) for the whole request. Either one expiring throws ``HTTPTransportError`` (`timedOut`).
public struct URLSessionTransport: HTTPTransport {
    /// How the transport behaves.
    public let configuration: HTTPTransportConfiguration
    private let session: URLSession
    /// Tracks the transport's own tasks; `nil` for a session passed in, whose requests are bounded
    /// by ``HTTPTransportConfiguration/timeout`` only.
    private let watcher: TaskWatcher?

    /// Creates a transport.
    /// - Parameters:
    ///   - configuration: Timeouts and user agent.
    ///   - session: The session to use; an ephemeral one by default (tests may pass one whose
    ///     `protocolClasses` answer in memory; its requests get ``HTTPTransportConfiguration/timeout`` but not
    ///     ``HTTPTransportConfiguration/connectTimeout``, and it follows redirects as its own
    ///     delegate decides, before the transport's rule sees them).
    public init(configuration: HTTPTransportConfiguration = HTTPTransportConfiguration(), session: URLSession? = nil) {
        self.configuration = configuration
        if let session {
            self.session = session
            watcher = nil
        } else {
            let sessionConfiguration = URLSessionConfiguration.ephemeral
            sessionConfiguration.timeoutIntervalForRequest = Self.backstop(configuration.timeout)
            sessionConfiguration.timeoutIntervalForResource = Self.backstop(configuration.timeout)
            // No response cache and no cookies: every answer is read fresh (a cached page of a
            // directory or a store is a stale one), and bearer-token APIs need no cookies. On
            // Linux both cost on every request: the cache looks up (and lists its folder), the
            // cookie store parses each response's headers.
            sessionConfiguration.urlCache = nil
            sessionConfiguration.requestCachePolicy = .reloadIgnoringLocalCacheData
            sessionConfiguration.httpCookieStorage = nil
            sessionConfiguration.httpShouldSetCookies = false
            sessionConfiguration.httpCookieAcceptPolicy = .never
            let watcher = TaskWatcher(maximumResponseBytes: configuration.maximumResponseBytes)
            self.session = URLSession(configuration: sessionConfiguration, delegate: watcher, delegateQueue: nil)
            self.watcher = watcher
        }
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await Redirects.follow(request, through: sendOnce)
    }

    /// One request, no redirect followed (but by a session passed in).
    private func sendOnce(_ request: HTTPRequest) async throws -> HTTPResponse {
        try URLPolicy.check(request.url)
        var urlRequest = URLRequest(url: request.url)
        // URLSession's own timer (whole seconds on Linux) is only a backstop: the deadlines below
        // are the ones that count.
        urlRequest.timeoutInterval = Self.backstop(configuration.timeout)
        urlRequest.httpMethod = request.method.rawValue
        for field in request.headers { urlRequest.addValue(field.value, forHTTPHeaderField: field.name) }
        urlRequest.setValue(configuration.userAgent, forHTTPHeaderField: "User-Agent")
        if let body = request.body {
            urlRequest.httpBody = body
            if request.headers["Content-Type"] == nil {
                urlRequest.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
            }
        }
        let data: Data
        let response: URLResponse
        do {
            if let watcher {
                (data, response) = try await watched(urlRequest, watcher: watcher, host: request.url.host ?? "?")
            } else {
                (data, response) = try await bounded(urlRequest, host: request.url.host ?? "?")
            }
        } catch let error as URLError {
            throw Self.map(error, url: request.url)
        } catch let error as NSError where error.domain == NSURLErrorDomain {
            throw Self.map(URLError(URLError.Code(rawValue: error.code) ?? .unknown), url: request.url)
        }
        guard let http = response as? HTTPURLResponse else {
            throw HTTPTransportError(.connectionFailed, detail: "the response to \(request) is not HTTP")
        }
        var headers = HTTPHeaders()
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { headers.add(name, value) }
        }
        return HTTPResponse(status: http.statusCode, headers: headers, body: data)
    }

    /// Runs a data task through the delegate, failing it when the answer has not started by the
    /// connect deadline or not finished by the request deadline.
    private func watched(_ urlRequest: URLRequest, watcher: TaskWatcher, host: String) async throws -> (Data, URLResponse) {
        let task = session.dataTask(with: urlRequest)
        let identifier = task.taskIdentifier
        let (timeout, connectTimeout) = configuration.deadlines
        // Dispatch timers on a queue of their own, not sleeping tasks: the deadlines hold even when
        // the host's cooperative threads are all busy. Not the global queue either: on Linux, Swift's
        // tasks run on it, and a deadline there waits behind them (a spinning pool delayed one by 1.9 s).
        let connectDeadline = DispatchWorkItem {
            guard !watcher.hasResponse(identifier) else { return }
            watcher.fail(identifier, HTTPTransportError(.timedOut, detail: "\(host) did not start answering within \(HTTPTransportConfiguration.seconds(connectTimeout)) (connect timeout)"))
            task.cancel()
        }
        let requestDeadline = DispatchWorkItem {
            watcher.fail(identifier, HTTPTransportError(.timedOut, detail: "\(host) did not answer completely within \(HTTPTransportConfiguration.seconds(timeout))"))
            task.cancel()
        }
        defer {
            connectDeadline.cancel()
            requestDeadline.cancel()
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                // Registered before the deadlines start, so one that fires always finds the request.
                watcher.register(identifier, continuation)
                watcher.deadlines.asyncAfter(deadline: .now() + connectTimeout, execute: connectDeadline)
                watcher.deadlines.asyncAfter(deadline: .now() + timeout, execute: requestDeadline)
                task.resume()
            }
        } onCancel: {
            task.cancel()
        }
    }

    /// `data(for:)` on a session passed in, failing it when it has not finished by the request deadline.
    private func bounded(_ urlRequest: URLRequest, host: String) async throws -> (Data, URLResponse) {
        let timeout = max(0, configuration.timeout)
        let session = self.session
        return try await withThrowingTaskGroup(of: (Data, URLResponse).self) { group in
            group.addTask { try await session.data(for: urlRequest) }
            group.addTask {
                try await sleepOnTimer(for: .seconds(timeout))
                throw HTTPTransportError(.timedOut, detail: "\(host) did not answer completely within \(HTTPTransportConfiguration.seconds(timeout))")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// URLSession's own timer, a little after ours (it counts whole seconds on Linux, where a
    /// value under one second would fire at once).
    private static func backstop(_ timeout: TimeInterval) -> TimeInterval { max(1, timeout.rounded(.up)) + 1 }

    static func map(_ error: URLError, url: URL) -> any Error {
        let host = url.host ?? "?"
        // The code only: the URL in the error's user info could carry a secret in its query.
        let underlying = URLError(error.code)
        switch error.code {
        case .cancelled: return CancellationError()
        case .timedOut: return HTTPTransportError(.timedOut, detail: "no response from \(host)", underlying: underlying)
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid,
            .serverCertificateHasUnknownRoot, .clientCertificateRejected:
            return HTTPTransportError(.tlsFailed, detail: "TLS with \(host) failed (\(error.code.rawValue))", underlying: underlying)
        case .unsupportedURL:
            // The URL passed URLPolicy (absolute http or https) before it was sent: libcurl reports
            // an answer that is not HTTP (another service on the port) as an unsupported protocol.
            return HTTPTransportError(.connectionFailed, detail: "\(host): the server's answer is not HTTP (\(error.code.rawValue))", underlying: underlying)
        case .badURL:
            return HTTPTransportError(.invalidURL, detail: "'\(Redactor.redact(url: url))' cannot be requested (\(error.code.rawValue))", underlying: underlying)
        default:
            // libcurl's text says what happened ("Couldn't connect to server"); Foundation's generic
            // "The operation could not be completed" says nothing, so only the code is kept then.
            let text = error.localizedDescription
            let detail = text.contains("could not be completed") ? "URL error \(error.code.rawValue)" : "\(text) (\(error.code.rawValue))"
            return HTTPTransportError(.connectionFailed, detail: "\(host): \(detail)", underlying: underlying)
        }
    }
}

/// The session delegate of a ``URLSessionTransport``: collects each task's response and body,
/// notes when the answer started, and resumes the waiting request exactly once — with the
/// result, or earlier with a timeout from the transport's watchdog.
final class TaskWatcher: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private struct Entry {
        var continuation: CheckedContinuation<(Data, URLResponse), any Error>
        var response: URLResponse?
        var data = Data()
    }

    private let lock = NSLock()
    private var entries: [Int: Entry] = [:]
    private let maximumResponseBytes: Int
    /// Where this transport's deadlines fire. Its own: cancelling a task waits for its session's
    /// queue, so a busy session holds up only its own deadlines.
    let deadlines = DispatchQueue(label: "DirectorySyncHTTP request deadlines")

    init(maximumResponseBytes: Int) { self.maximumResponseBytes = maximumResponseBytes }

    func register(_ identifier: Int, _ continuation: CheckedContinuation<(Data, URLResponse), any Error>) {
        lock.withLock { entries[identifier] = Entry(continuation: continuation) }
    }

    func hasResponse(_ identifier: Int) -> Bool { lock.withLock { entries[identifier].map { $0.response != nil } ?? true } }

    /// Resumes the request with `error`, unless it already finished.
    func fail(_ identifier: Int, _ error: any Error) {
        lock.withLock { entries.removeValue(forKey: identifier) }?.continuation.resume(throwing: error)
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
    ) {
        // An announced length past the limit is refused before a byte of the body is taken.
        guard response.expectedContentLength <= Int64(maximumResponseBytes) else {
            completionHandler(.cancel)
            refuseTooLarge(dataTask)
            return
        }
        lock.withLock {
            entries[dataTask.taskIdentifier]?.response = response
            // The announced length (checked above) reserved at once: the body is gathered without
            // growing — and copying — its buffer again and again (a Graph page is about 0.5 MB).
            if response.expectedContentLength > 0 { entries[dataTask.taskIdentifier]?.data.reserveCapacity(Int(response.expectedContentLength)) }
        }
        completionHandler(.allow)
    }

    private func refuseTooLarge(_ dataTask: URLSessionDataTask) {
        guard let entry = lock.withLock({ entries.removeValue(forKey: dataTask.taskIdentifier) }) else { return }
        dataTask.cancel()
        let host = dataTask.originalRequest?.url?.host ?? "?"
        entry.continuation.resume(throwing: HTTPTransportError(
            .responseTooLarge, detail: "\(host) sent more than \(maximumResponseBytes) bytes (HTTPTransportConfiguration.maximumResponseBytes)"))
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let tooLarge = lock.withLock { () -> Bool in
            let identifier = dataTask.taskIdentifier
            // Body bytes mean the answer has started even if no response was reported separately.
            if entries[identifier]?.response == nil { entries[identifier]?.response = dataTask.response }
            guard let received = entries[identifier]?.data.count, received + data.count > maximumResponseBytes else {
                entries[identifier]?.data.append(data)
                return false
            }
            return true
        }
        if tooLarge { refuseTooLarge(dataTask) }
    }

    /// No redirect is followed here: ``Redirects`` follows them, as for every transport
    /// (`URLSession` on Linux repeats a 307's method without its body).
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        guard let entry = lock.withLock({ entries.removeValue(forKey: task.taskIdentifier) }) else { return }
        if let error {
            entry.continuation.resume(throwing: error)
        } else if let response = task.response ?? entry.response {
            entry.continuation.resume(returning: (entry.data, response))
        } else {
            entry.continuation.resume(throwing: URLError(.badServerResponse))
        }
    }
}

extension URLSessionTransport: CustomReflectable {
    /// What `dump` shows: the configuration only — never the session, whose tasks in flight carry
    /// their requests' headers (a bearer token) and which is not safe to walk while they run.
    public var customMirror: Mirror { Mirror(self, children: ["configuration": configuration], displayStyle: .struct) }
}
