import DirectorySync

extension GeneratedTenant {
    /// Manual users as an administrator might have created them before synchronization was set
    /// up: some with the same email as a directory user (in other letter case), some with a
    /// different email but a login that matches the user's UPN or `DOMAIN\sam`, and some that
    /// match nobody. Reproducible for a given seed.
    /// - Parameters:
    ///   - matchingByEmail: How many match a directory user by email.
    ///   - matchingByLogin: How many match a directory user by login only.
    ///   - unmatched: How many match nobody.
    ///   - seed: The seed for choosing users.
    /// - Returns: Profiles to create with origin `.manual`.
    public func manualUsers(matchingByEmail: Int, matchingByLogin: Int, unmatched: Int, seed: UInt64 = 1) -> [UserProfile] {
        var random = SeededRandomNumberGenerator(seed: seed)
        let withEmail = users.filter { $0.primaryEmail != nil && $0.userType != "Guest" }.shuffled(using: &random)
        var profiles: [UserProfile] = []
        for user in withEmail.prefix(matchingByEmail) {
            profiles.append(
                UserProfile(
                    name: "\(user.givenName ?? "") (before sync)", firstName: user.givenName, lastName: user.surname,
                    email: user.primaryEmail?.uppercased()))
        }
        for (offset, user) in withEmail.dropFirst(matchingByEmail).prefix(matchingByLogin).enumerated() {
            let login = user.logins.count > 1 && offset.isMultiple(of: 2) ? user.logins[1] : user.userPrincipalName
            profiles.append(
                UserProfile(
                    name: user.displayName ?? login, email: "legacy\(offset)@old-mail.example", logins: [login]))
        }
        for number in 0..<unmatched {
            profiles.append(
                UserProfile(
                    name: "Contractor \(number + 1)", firstName: "Contractor", lastName: String(number + 1),
                    email: "contractor\(number + 1)@vendor.example", logins: ["VENDOR\\contractor\(number + 1)"]))
        }
        return profiles
    }
}
