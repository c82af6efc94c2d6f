import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The pipe's write end, which the signal handler writes to. Set once, before the handler is
/// installed, and never changed: the handler may read it at any moment.
nonisolated(unsafe) private var signalPipe: Int32 = -1

/// SIGTERM and SIGINT, for commands that run until interrupted.
///
/// A handler is installed in one step (`signal`), and all it does is write a byte to a pipe (the
/// self-pipe pattern): there is no moment in which the signals are ignored, so one sent at any
/// time — even right before the command says it is ready — is never lost; before the handler is
/// installed, the default action still ends the process.
struct Signals: Sendable {
    private let readEnd: Int32

    /// Starts catching SIGTERM and SIGINT; call it once per process. From then on they no longer
    /// end the process: ``waitForTermination()`` returns instead, and a second one while the command
    /// winds down does not end it half way.
    static func catchTermination() -> Signals {
        precondition(signalPipe == -1, "Signals.catchTermination() is called once per process")
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { fatalError("dirsync: no pipe for signals (\(String(cString: strerror(errno))))") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        // Never blocks the handler: once the pipe is full (signals sent in a loop while the command
        // winds down), further bytes are dropped; one is enough.
        _ = fcntl(ends[1], F_SETFL, fcntl(ends[1], F_GETFL) | O_NONBLOCK)
        signalPipe = ends[1]
        for number in [SIGTERM, SIGINT] {
            signal(number) { number in
                let saved = errno
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(signalPipe, &byte, 1)
                errno = saved
            }
        }
        return Signals(readEnd: ends[0])
    }

    /// Returns when SIGTERM or SIGINT has arrived since ``catchTermination()``.
    func waitForTermination() async {
        let readEnd = readEnd
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            // A blocking read on a thread of its own: it waits for the handler's byte.
            Thread.detachNewThread {
                var byte: UInt8 = 0
                while read(readEnd, &byte, 1) < 0 && errno == EINTR {}
                done.resume()
            }
        }
    }
}
