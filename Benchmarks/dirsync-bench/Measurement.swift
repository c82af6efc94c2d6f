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
