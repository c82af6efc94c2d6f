import Foundation

// The package's JSON conventions, in one place: sorted keys, unescaped slashes, ISO 8601 dates
// (`2026-03-01T08:00:00Z`), so the same value always gives the same bytes and scripts can compare
// text. Documents that must read back equal to what was saved keep fractional seconds.

extension JSONEncoder {
    /// An encoder with the package's conventions: sorted keys, unescaped slashes and ISO 8601
    /// dates, so the same value always gives the same bytes.
    /// - Parameters:
    ///   - fractionalSeconds: Whether dates keep their fractional seconds (saved state does, so it
    ///     reads back equal; exports and command output do not).
    ///   - pretty: Whether to indent the output for people.
    /// - Returns: A new encoder.
    public static func deterministic(fractionalSeconds: Bool = false, pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
        if fractionalSeconds {
            encoder.dateEncodingStrategy = .custom { date, encoder in
                var container = encoder.singleValueContainer()
                try container.encode(date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
            }
        } else {
            encoder.dateEncodingStrategy = .iso8601
        }
        return encoder
    }
}

extension JSONDecoder {
    /// A decoder for what ``JSONEncoder/deterministic(fractionalSeconds:pretty:)`` writes: ISO 8601
    /// dates with or without fractional seconds.
    /// - Returns: A new decoder.
    public static func deterministic() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
            return try Date(text, strategy: .iso8601)
        }
        return decoder
    }
}

/// A coding key made from any text: for documents whose keys are data (case names, counts by name).
package struct AnyCodingKey: CodingKey {
    package var stringValue: String
    package var intValue: Int? { nil }
    package init(_ text: String) { stringValue = text }
    package init?(stringValue: String) { self.stringValue = stringValue }
    package init?(intValue: Int) { nil }
}
