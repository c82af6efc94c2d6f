// Documents saved before the package designed its JSON hold enums in the form Swift synthesizes:
// one key, the case's name, over an object of the case's values (`{"status": {"_0": 503}}`).
// Readers of saved state accept that form beside the designed one (`{"kind": "status", …}`), so
// existing state folders, previews and store logs keep working; nothing writes it any more.

extension Decoder {
    /// The case name and values of an enum in the form Swift's synthesized `Codable` wrote
    /// (`{"caseName": {"_0": …, "label": …}}`).
    /// - Parameter expected: What the document should have been, for the error.
    /// - Returns: The case's name and a container over its values (`_0`, `_1` for unlabelled ones).
    /// - Throws: `DecodingError.dataCorrupted` when the value is not an object with exactly one key.
    package func synthesizedEnumCase(expected: String) throws -> (name: String, values: KeyedDecodingContainer<AnyCodingKey>) {
        let container = try container(keyedBy: AnyCodingKey.self)
        guard container.allKeys.count == 1, let key = container.allKeys.first else {
            throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: codingPath, debugDescription: "expected \(expected)"))
        }
        return (key.stringValue, try container.nestedContainer(keyedBy: AnyCodingKey.self, forKey: key))
    }
}

extension DecodingError {
    /// An unknown discriminator value, with the values that are known.
    package static func unknownCase(_ name: String, of type: String, known: [String], codingPath: [any CodingKey]) -> DecodingError {
        .dataCorrupted(Context(codingPath: codingPath, debugDescription: "unknown \(type) '\(name)'; expected one of \(known.joined(separator: ", "))"))
    }
}
