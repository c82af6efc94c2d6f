import DirectorySync
import Foundation

/// Retries what is safe to retry: 429, 503 and 504 responses and connection failures, for
/// requests that are retryable (idempotent methods, or marked so). It waits what `Retry-After`
/// says (whole or fractional seconds, or an HTTP date), else backs off exponentially with full
/// jitter, within a bounded number of attempts and a bounded total time. Cancellation stops it at
/// once. When attempts run out on a retryable status, the last response is returned so the caller
/// can report it precisely.
///
/// It wraps any transport — `URLSessionTransport` or a host's own — as `any HTTPTransport`:
///
/// ```swift
/// let transport = RetryingTransport(myTransport, policy: RetryPolicy(maximumAttempts: 3))
/// ```
///
/// The Graph provider and the SCIM store both wrap whatever transport they are given in one of
/// these, with the policy and clock of their `Configuration`; a host that wants no retries passes
/// `RetryPolicy(maximumAttempts: 1)`.
public struct RetryingTransport: HTTPTransport {

    /// One retry about to happen, for logs and metrics.
    public struct Retry: Sendable {
        /// The attempt that failed (1-based).
        public var attempt: Int
        /// How long the transport waits before the next attempt.
        public var delay: Duration
        /// The status that caused it, or `nil` for a connection failure.
        public var status: Int?
        /// The request (its description is redacted).
        public var request: HTTPRequest
    }

    private let base: any HTTPTransport
    /// When and how long to retry.
    public let policy: RetryPolicy
    private let clock: SyncClock
    private let onRetry: @Sendable (Retry) -> Void

    /// Wraps a transport.
    /// - Parameters:
    ///   - base: The transport to retry.
    ///   - policy: When and how long to retry.
    ///   - clock: Time and sleeping: the monotonic time bounds the total, the wall time reads
    ///     `Retry-After` dates; inject a test clock to avoid real waits.
    ///   - onRetry: Called before each wait.
    public init(
        _ base: any HTTPTransport, policy: RetryPolicy = RetryPolicy(), clock: SyncClock = .system, onRetry: @escaping @Sendable (Retry) -> Void = { _ in }
    ) {
        self.base = base
        self.policy = policy
        self.clock = clock
        self.onRetry = onRetry
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let started = clock.elapsed()
        var attempt = 1
        while true {
            try Task.checkCancellation()
            let outcome: Result<HTTPResponse, any Error>
            do {
                outcome = .success(try await base.send(request))
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                outcome = .failure(error)
            }
            let delay: Duration
            switch outcome {
            case .success(let response):
                guard request.isRetryable, policy.retryableStatuses.contains(response.status), attempt < policy.maximumAttempts else {
                    return response
                }
                delay = Self.retryAfter(response.headers["Retry-After"], now: clock.now()) ?? backoff(attempt)
                guard clock.elapsed() - started + delay <= policy.maximumTotalTime else { return response }
                onRetry(Retry(attempt: attempt, delay: delay, status: response.status, request: request))
            case .failure(let error):
                guard request.isRetryable, Self.isConnectionFailure(error), attempt < policy.maximumAttempts else { throw error }
                delay = backoff(attempt)
                guard clock.elapsed() - started + delay <= policy.maximumTotalTime else { throw error }
                onRetry(Retry(attempt: attempt, delay: delay, status: nil, request: request))
            }
            try await clock.sleep(for: delay)
            attempt += 1
        }
    }

    /// Full jitter: a random wait between zero and the exponential step, capped.
    private func backoff(_ attempt: Int) -> Duration {
        let exponential = policy.baseDelay * Int(1 << min(attempt - 1, 20))
        let capped = min(exponential, policy.maximumDelay)
        return capped * min(max(policy.jitter(), 0), 1)
    }

    static func isConnectionFailure(_ error: any Error) -> Bool {
        guard let error = error as? HTTPTransportError else { return false }
        return error.code == .connectionFailed || error.code == .timedOut
    }

    /// The longest `Retry-After` read as it is (about 31 years); a longer one — `1e300` from a
    /// hostile server — reads as this, beyond every total-time budget, so the retries give up
    /// instead of converting it to an integer that overflows.
    static let longestRetryAfter: Double = 1e9

    /// Reads `Retry-After`: seconds (fractional allowed) or an HTTP date.
    static func retryAfter(_ value: String?, now: Date) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds >= 0, seconds.isFinite {
            return .milliseconds(Int((min(seconds, longestRetryAfter) * 1_000).rounded(.up)))
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .milliseconds(max(0, Int((min(date.timeIntervalSince(now), longestRetryAfter) * 1_000).rounded(.up))))
    }
}

/// When and how long ``RetryingTransport`` retries.
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included (at least 1).
    public var maximumAttempts: Int
    /// The backoff's first step.
    public var baseDelay: Duration
    /// The longest single wait.
    public var maximumDelay: Duration
    /// The longest time all attempts and waits together may take.
    public var maximumTotalTime: Duration
    /// Statuses that are retried.
    public var retryableStatuses: Set<Int>
    /// The random factor (0…1) a backoff step is multiplied by ("full jitter"); inject a constant
    /// for repeatable waits in tests.
    public var jitter: @Sendable () -> Double

    /// No retries: one attempt, whatever the answer.
    public static var none: RetryPolicy { RetryPolicy(maximumAttempts: 1) }

    /// Creates a policy. The defaults follow Microsoft's own Graph SDK: three retries.
    /// - Parameters:
    ///   - maximumAttempts: Attempts in all, the first included (at least 1; 1 means no retries).
    ///   - baseDelay: The backoff's first step.
    ///   - maximumDelay: The longest single wait.
    ///   - maximumTotalTime: The longest time all attempts and waits together may take.
    ///   - retryableStatuses: Statuses that are retried.
    ///   - jitter: The random factor (0…1) of each backoff step; the system's random numbers by default.
    public init(
        maximumAttempts: Int = 4, baseDelay: Duration = .milliseconds(500), maximumDelay: Duration = .seconds(30),
        maximumTotalTime: Duration = .seconds(180), retryableStatuses: Set<Int> = [429, 503, 504],
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        self.maximumAttempts = maximumAttempts
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
        self.maximumTotalTime = maximumTotalTime
        self.retryableStatuses = retryableStatuses
        self.jitter = jitter
    }
}
