extension DirectoryGroup {
    /// Appends the group as compact JSON: exactly the bytes `JSONEncoder.deterministic()` writes
    /// for it (sorted keys, properties without a value left out, slashes unescaped), several
    /// times faster — for outputs of many groups and millions of members, such as
    /// `dirsync read --json`.
    /// - Parameter output: Where to append.
    public func appendJSON(to output: inout [UInt8]) {
        var writer = JSONObjectWriter(&output)
        writer.string("description", description, to: &output)
        writer.string("displayName", displayName, to: &output)
        writer.strings("groupTypes", groupTypes, to: &output)
        writer.string("id", id, to: &output)
        writer.string("mail", mail, to: &output)
        writer.bool("mailEnabled", mailEnabled, to: &output)
        writer.strings("memberGroupIDs", memberGroupIDs, to: &output)
        writer.strings("memberUserIDs", memberUserIDs, to: &output)
        writer.bool("securityEnabled", securityEnabled, to: &output)
        output.append(UInt8(ascii: "}"))
    }
}
