import DirectorySync
import Foundation

/// The JSON that `dirsync` prints for scripts and writes to its control files: the package's own
/// conventions (`JSONEncoder.deterministic`: sorted keys, ISO 8601 dates, unescaped slashes).
enum JSONOutput {
    /// A value as JSON over several lines (the `--state DIR` commands).
    static func text(_ value: some Encodable) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// A value as JSON on one line (`read`, `schedule`, `test-connection`, `emulate-graph`'s announcement).
    static func line(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder.deterministic().encode(value), as: UTF8.self)
    }

    /// The encoder of ``text(_:)``, for the control files.
    static var encoder: JSONEncoder { .deterministic(pretty: true) }

    /// Reads what ``encoder`` wrote.
    static var decoder: JSONDecoder { .deterministic() }
}
