import DirectorySync
import Foundation
import Testing

@Suite("Error messages: a detail that ends a sentence is not followed by a second period")
struct StringSentenceTests {
    @Test("joining keeps one end of sentence", arguments: [
        ("the host did not answer", "the host did not answer. Retry."),
        ("then retry.", "then retry. Retry."),
        ("then retry.  ", "then retry. Retry."),
        ("really?", "really? Retry."),
        ("", "Retry."),
    ])
    func join(cause: String, expected: String) {
        #expect(cause.followed(bySentence: "Retry.") == expected)
    }

    @Test("errors whose detail is another error's description print no doubled period")
    func nestedDescriptions() {
        let transport = IdentityStoreError(.unavailable, detail: "the server closed the connection; then retry.")
        #expect(transport.description.contains("then retry. Check"), "\(transport)")
        let tracking = DirectoryTrackingLost(.expired, detail: "\(transport)")
        let secrets = SecretStoreError(.storageFailed, key: SecretKey("contoso"), detail: "disk full.")
        for text in [transport.description, tracking.description, secrets.description] {
            #expect(!text.contains(".."), "\(text)")
        }
    }

    @Test("a deletion guard violation of one is singular, and names every fate the out-of-scope policies give (not only removal)")
    func violationNouns() {
        #expect(DeletionGuard.Violation(kind: .users, count: 1, owned: 3, limit: "at most 0").description == "1 user of 3 would be removed, disabled or set pending removal (limit: at most 0)")
        #expect(DeletionGuard.Violation(kind: .memberships, count: 2, owned: 3, limit: "at most 1").description == "2 memberships of 3 would be removed (limit: at most 1)")
        #expect(DeletionGuard.Violation(kind: .groups, count: 1, owned: 3, limit: "at most 0").description == "1 group of 3 would be removed or set pending removal (limit: at most 0)")
    }
}
