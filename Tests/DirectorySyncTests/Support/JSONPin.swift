import DirectorySync
import Foundation
import Testing

/// Pins a designed JSON form: the value encodes to exactly `json` (the package's conventions:
/// sorted keys, no spaces) and `json` decodes back to the value.
func expectJSON<T: Codable & Equatable>(_ value: T, _ json: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let encoded = String(decoding: try JSONEncoder.deterministic().encode(value), as: UTF8.self)
    #expect(encoded == json, sourceLocation: sourceLocation)
    #expect(try JSONDecoder.deterministic().decode(T.self, from: Data(json.utf8)) == value, sourceLocation: sourceLocation)
}

/// Decodes a document in a form written earlier and expects the value.
func expectDecodes<T: Decodable & Equatable>(_ json: String, as value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(try JSONDecoder.deterministic().decode(T.self, from: Data(json.utf8)) == value, sourceLocation: sourceLocation)
}
