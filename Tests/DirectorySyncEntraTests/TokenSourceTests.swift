import Foundation
import Testing

@testable import DirectorySyncEntra

@Suite("TokenSource: what an access token says")
struct TokenSourceTests {
    @Test("the token's claims: roles and tid, each read on its own; a token that is no JWT gives neither")
    func tokenClaims() {
        func token(_ payload: String) -> String {
            let encoded = Data(payload.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            return "eyJhbGciOiJub25lIn0.\(encoded).sig"
        }
        let both = TokenSource.claims(in: token(#"{"tid":"6F1C4F6E-1D2B-4C3A-9E8F-0A1B2C3D4E5F","roles":["User.Read.All"]}"#))
        #expect(both.roles == ["User.Read.All"] && both.tenantID == "6F1C4F6E-1D2B-4C3A-9E8F-0A1B2C3D4E5F")
        let oddTid = TokenSource.claims(in: token(#"{"tid":42,"roles":["Directory.Read.All"]}"#))
        #expect(oddTid.roles == ["Directory.Read.All"] && oddTid.tenantID == nil, "a tid of another type hides no role")
        let empty = TokenSource.claims(in: token(#"{"tid":"  "}"#))
        #expect(empty.roles.isEmpty && empty.tenantID == nil)
        let opaque = TokenSource.claims(in: "not-a-jwt")
        #expect(opaque.roles.isEmpty && opaque.tenantID == nil)
    }
}
