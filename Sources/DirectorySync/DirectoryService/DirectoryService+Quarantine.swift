import Foundation

extension DirectoryService.Configuration {
    /// When a failing source is quarantined, and how its scheduled attempts back off.
    ///
    /// A source is quarantined after ``failedRuns`` whole runs failed in a row (on-demand runs for
    /// one user do not count), or at once when a run failed with an error that cannot heal by
    /// itself (``DirectorySyncError/healsByItself``). Its next attempt is then the later of
    ///
    /// - the end of the failed run plus ``delay(afterFailedAttempts:)`` — ``firstDelay`` doubled
    ///   for every attempt that failed since the quarantine began, at most ``longestDelay``
    ///   (1 h, 2 h, 4 h, 8 h, 16 h, 24 h, 24 h … by default), and
    /// - the source's next scheduled run after the failed run (so a quarantined source never runs
    ///   more often than its schedule; a source without a schedule makes no attempt of its own).
    ///
    /// ```swift
    /// let configuration = DirectoryService.Configuration(quarantine: .init(failedRuns: 5, longestDelay: .seconds(6 * 3_600)))
    /// ```
    public struct Quarantine: Hashable, Sendable {
        /// Whole runs that fail in a row before the source is quarantined (at least 1; 3 by default).
        public var failedRuns: Int
        /// The wait after the run that put the source in quarantine (1 hour by default).
        public var firstDelay: Duration
        /// The longest wait between two attempts (24 hours by default).
        public var longestDelay: Duration

        /// Creates the policy.
        /// - Parameters:
        ///   - failedRuns: Whole runs that fail in a row before the source is quarantined; values
        ///     below 1 count as 1.
        ///   - firstDelay: The wait after the run that put the source in quarantine; a negative
        ///     one counts as zero.
        ///   - longestDelay: The longest wait between two attempts; never shorter than `firstDelay`.
        public init(failedRuns: Int = 3, firstDelay: Duration = .seconds(3_600), longestDelay: Duration = .seconds(86_400)) {
            self.failedRuns = max(1, failedRuns)
            self.firstDelay = max(.zero, firstDelay)
            self.longestDelay = max(self.firstDelay, longestDelay)
        }

        /// The wait before the next attempt once `failedAttempts` attempts failed in quarantine:
        /// ``firstDelay`` × 2^`failedAttempts`, at most ``longestDelay``.
        /// - Parameter failedAttempts: Attempts that failed since the quarantine began (0 right
        ///   after the run that put the source there).
        /// - Returns: The wait.
        public func delay(afterFailedAttempts failedAttempts: Int) -> Duration {
            var delay = firstDelay
            for _ in 0..<max(0, failedAttempts) {
                guard delay < longestDelay else { break }
                delay *= 2
            }
            return min(delay, longestDelay)
        }
    }
}

extension DirectoryService {
    /// What a failed run's error says about the source.
    struct RunFailure {
        /// The cause and the fix, as sentences.
        var message: String
        /// The stable code of the error that cannot heal by itself, else of the error itself.
        var errorCode: String?
        /// Whether an error that cannot heal by itself caused it (the source is quarantined at once).
        var isLasting: Bool
    }
}

extension DirectoryService.RunFailure {
    /// Reads an error and those under it (``DirectorySyncError/underlying``).
    init(_ error: any Error) {
            message = (error as? any DirectorySyncError)?.message ?? String(describing: error)
            var code = (error as? any DirectorySyncError)?.code.rawValue
            var lasting = false
            var next: (any Error)? = error
            // A few levels at most: an error chain is short, and this never loops.
            for _ in 0..<8 {
                guard let current = next as? any DirectorySyncError else { break }
                if !current.healsByItself {
                    lasting = true
                    code = current.code.rawValue
                    break
                }
                next = current.underlying
            }
            errorCode = code
            isLasting = lasting
    }
}

extension DirectoryService {
    /// Counts a failed whole run and quarantines the source when it must be: at once for a
    /// failure that cannot heal by itself, else after ``Configuration/Quarantine/failedRuns`` in a
    /// row. A source already quarantined stays so, with its backoff doubled.
    /// - Returns: The state the source is in now (`quarantined` or `error`).
    func recordFailure(_ id: SourceID, _ failure: RunFailure, at now: Date) -> SourceState {
        guard var source = sources[id] else { return .error }
        source.consecutiveFailures += 1
        if var quarantine = source.quarantine {
            quarantine.failedAttempts += 1
            quarantine.consecutiveFailures = source.consecutiveFailures
            quarantine.reason = failure.message
            quarantine.errorCode = failure.errorCode
            quarantine.nextAttempt = nextAttempt(of: source, failedAt: now, failedAttempts: quarantine.failedAttempts)
            source.quarantine = quarantine
            sources[id] = source
            return .quarantined
        }
        guard failure.isLasting || source.consecutiveFailures >= configuration.quarantine.failedRuns else {
            sources[id] = source
            return .error
        }
        let quarantine = SourceQuarantine(
            since: now, reason: failure.message, errorCode: failure.errorCode, consecutiveFailures: source.consecutiveFailures,
            nextAttempt: nextAttempt(of: source, failedAt: now, failedAttempts: 0))
        source.quarantine = quarantine
        sources[id] = source
        setState(id, .quarantined)
        hub.emit(.quarantined(id, quarantine))
        return .quarantined
    }

    /// Ends a quarantine and the count of failed runs (after a run that did not fail, or an
    /// administrator's change); emits ``ServiceEvent/released(_:)`` when the source was
    /// quarantined. The caller persists.
    func release(_ id: SourceID) {
        guard let source = sources[id], source.quarantine != nil || source.consecutiveFailures > 0 else { return }
        sources[id]?.consecutiveFailures = 0
        guard source.quarantine != nil else { return }
        sources[id]?.quarantine = nil
        if source.state == .quarantined { setState(id, .on) }
        hub.emit(.released(id))
    }

    /// When a quarantined source tries again: the later of the failure plus the backoff and the
    /// next scheduled run after the failure; `nil` for a source that runs only when asked.
    func nextAttempt(of source: Source, failedAt: Date, failedAttempts: Int) -> Date? {
        guard let scheduled = configuration.scheduleCalculator.nextRun(of: source.schedule, after: failedAt) else { return nil }
        let backoff = failedAt.addingTimeInterval(configuration.quarantine.delay(afterFailedAttempts: failedAttempts).timeInterval)
        return max(scheduled, backoff)
    }
}
