import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What one scenario measured. With `--json` it is printed as the last line.
struct Measurement: Encodable {
    var scenario: String
    var users: Int
    var wallSeconds: Double
    var cpuSeconds: Double
    var peakMemoryBytes: Int
    var requests: Int = 0
    var resourceUnits: Int = 0
    var throughputPerSecond: Double = 0
    var notes: [String: String] = [:]
}

/// Process-wide resource figures from the OS.
enum ProcessStats {
    #if os(Linux)
    private static let selfUsage = __rusage_who_t(RUSAGE_SELF.rawValue)
    #else
    private static let selfUsage = RUSAGE_SELF
    #endif

    /// User + system CPU seconds used so far.
    static var cpuSeconds: Double {
        var usage = rusage()
        getrusage(selfUsage, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// User and system CPU seconds used so far, apart.
    static var cpuTimes: (user: Double, system: Double) {
        var usage = rusage()
        getrusage(selfUsage, &usage)
        return (
            Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6, Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        )
    }

    /// The largest resident set so far (the OS's high-water mark), in bytes.
    static var peakMemoryBytes: Int {
        var usage = rusage()
        getrusage(selfUsage, &usage)
        #if os(Linux)
        return Int(usage.ru_maxrss) * 1_024
        #else
        return Int(usage.ru_maxrss)
        #endif
    }

    /// Starts the high-water mark of ``peakMemoryBytesSinceReset`` at the resident set now
    /// (Linux: `/proc/self/clear_refs`), so that a scenario measures its own part, not its setup.
    /// - Returns: Whether the mark could be reset (otherwise only the process peak is known).
    static func resetPeakMemory() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        return (try? handle.write(contentsOf: Data("5".utf8))) != nil && peakMemoryBytesSinceReset > 0
    }

    /// The resident set's high-water mark since ``resetPeakMemory()`` (`VmHWM`), in bytes; 0 where unknown.
    /// (`getrusage`'s peak keeps the marks of threads that ended before the reset.)
    static var peakMemoryBytesSinceReset: Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return (Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") ?? 0) * 1_024
    }

    /// Gives memory freed by the setup back to the system (glibc keeps it otherwise), so that the
    /// resident set is what is still held.
    static func releaseFreeMemory() {
        #if canImport(Glibc)
        // malloc_trim is glibc's, not in Swift's Glibc module: looked up by name.
        typealias Trim = @convention(c) (Int) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") { _ = unsafeBitCast(symbol, to: Trim.self)(0) }
        #endif
    }

    /// The resident set now, in bytes (Linux: /proc/self/statm).
    static var currentMemoryBytes: Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }
}

/// Times a block on the wall clock and in CPU time.
func measure<T>(_ body: () async throws -> T) async rethrows -> (result: T, wall: Double, cpu: Double) {
    let cpuStart = ProcessStats.cpuSeconds
    let start = ContinuousClock.now
    let result = try await body()
    let elapsed = ContinuousClock.now - start
    let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return (result, wall, ProcessStats.cpuSeconds - cpuStart)
}

func megabytes(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1_048_576) }
