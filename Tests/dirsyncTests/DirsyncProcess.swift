import Foundation

/// Runs the built `dirsync` executable and captures what it prints.
struct DirsyncProcess {
    struct Result {
        var status: Int32
        var output: String
        var error: String
    }

    /// The `dirsync` binary next to the test bundle.
    static var executable: URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("dirsync").path) {
            let parent = directory.deletingLastPathComponent()
            precondition(parent != directory, "dirsync was not built next to the tests")
            directory = parent
        }
        return directory.appendingPathComponent("dirsync")
    }

    static func run(_ arguments: [String], environment: [String: String] = [:], input: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        let output = Pipe()
        let error = Pipe()
        let stdin = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, output: String(decoding: out, as: UTF8.self),
            error: String(decoding: err, as: UTF8.self))
    }

    /// Starts `dirsync` in the background and returns once its output contains `line`.
    /// - Returns: The process and its standard output, read up to `line`.
    static func start(_ arguments: [String], until line: String) throws -> (process: Process, output: Pipe, text: Data) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var text = Data()
        while !String(decoding: text, as: UTF8.self).contains(line) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text.append(chunk)
        }
        return (process, output, text)
    }
}
