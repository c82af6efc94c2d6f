import DirectorySync

/// A user or group as `users` and `groups` print it. Its JSON is documented in
/// `Documentation/JSON.md`: users carry `email`, `logins`, `enabled` and `memberOf`; groups `members`.
struct IdentityRow: Encodable {
    var id: String
    var name: String
    var origin: IdentityOrigin
    var email: String?
    var logins: [String]?
    var enabled: Bool?
    var memberOf: [String]?
    var members: Int?
}
