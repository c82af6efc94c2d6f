import Foundation

/// The JSON that `dirsync` prints for scripts and writes to its control files.
enum JSONOutput {
    /// A value as JSON (sorted keys, ISO 8601 dates, several lines).
    static func text(_ value: some Encodable) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// The one JSON form of `dirsync`'s output and files: sorted keys, ISO 8601 dates.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    /// Reads what ``encoder`` wrote.
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
