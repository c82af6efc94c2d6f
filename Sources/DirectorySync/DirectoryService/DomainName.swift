/// Domain names as sources use them: normalised and checked.
enum DomainName {
    /// The domain lower-cased, trimmed and without a trailing dot, if it is a valid DNS name
    /// (ASCII labels of letters, digits and inner hyphens, at least two labels, at most 253 characters).
    static func normalize(_ text: String) throws(DirectoryServiceError) -> String {
        var domain = text.trimmed.lowercased()
        if domain.hasSuffix(".") { domain.removeLast() }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        let fix = "Enter the domain as it is verified in Entra ID, for example 'contoso.com' (international names in their xn-- form)."
        guard !domain.isEmpty, domain.count <= 253, labels.count >= 2 else {
            throw DirectoryServiceError(.invalidInput, "'\(text)' is not a domain name", fix: fix)
        }
        for label in labels {
            let valid = !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            guard valid else { throw DirectoryServiceError(.invalidInput, "'\(text)' is not a domain name (label '\(label)')", fix: fix) }
        }
        guard labels.last!.allSatisfy({ $0.isLetter }) || labels.last!.hasPrefix("xn--") else {
            throw DirectoryServiceError(.invalidInput, "'\(text)' does not end in a top-level domain", fix: fix)
        }
        return domain
    }

    /// A source identifier from a name: lower-case letters and digits, other runs turned into `-`.
    static func slug(_ name: String) -> String {
        var slug = ""
        for character in name.lowercased() {
            if character.isASCII && (character.isLetter || character.isNumber) {
                slug.append(character)
            } else if !slug.isEmpty && slug.last != "-" {
                slug.append("-")
            }
        }
        while slug.last == "-" { slug.removeLast() }
        if slug.isEmpty { slug = "source-" + name.utf8.prefix(12).map { String($0, radix: 16) }.joined() }
        return String(slug.prefix(64))
    }
}
