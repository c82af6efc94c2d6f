import Foundation

/// SIGTERM and SIGINT, for commands that run until interrupted.
///
/// Catching starts before the command says it is ready: a signal sent as soon as the command has
/// printed that it runs (a test, a supervisor) is then never lost.
struct Signals: Sendable {
    private let arrivals: AsyncStream<Int32>

    /// Starts catching SIGTERM and SIGINT, and returns once both are caught. From then on they
    /// no longer end the process: ``waitForTermination()`` returns instead, and a second one while
    /// the command winds down does not end it half way.
    static func catchTermination() async -> Signals {
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let (arrivals, arrival) = AsyncStream.makeStream(of: Int32.self)
        let (registrations, registration) = AsyncStream.makeStream(of: Int32.self)
        let queue = DispatchQueue(label: "dirsync.signals")
        let signalNumbers = [SIGTERM, SIGINT]
        for signalNumber in signalNumbers {
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler { arrival.yield(signalNumber) }
            source.setRegistrationHandler { registration.yield(signalNumber) }
            source.resume()
            // Kept for the life of the process on purpose: it is never cancelled or released.
            _ = Unmanaged.passRetained(source as AnyObject)
        }
        // The system takes a source on asynchronously; until it has, a signal would be ignored.
        var registered = 0
        for await _ in registrations {
            registered += 1
            if registered == signalNumbers.count { break }
        }
        return Signals(arrivals: arrivals)
    }

    /// Returns when SIGTERM or SIGINT has arrived since ``catchTermination()``.
    func waitForTermination() async {
        for await _ in arrivals { return }
    }
}
