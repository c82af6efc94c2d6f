/// The string helpers behind comparisons: trimmed input and case-insensitive keys.
extension String {
    /// The string without leading and trailing white space.
    var trimmed: String {
        // Fast path: printable ASCII at both ends cannot start or end a white-space character.
        if let first = utf8.first, let last = utf8.last, (0x21..<0x7F).contains(first), (0x21..<0x7F).contains(last) { return self }
        guard let first = first, let last = last, first.isWhitespace || last.isWhitespace else { return self }
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return slice.utf8.count == utf8.count ? self : String(slice)
    }

    /// The string lower-cased, as a key for case-insensitive comparison: equal to `lowercased()`,
    /// but the string itself (no copy) when lower-casing would not change it, as with most addresses.
    var lowercasedKey: String {
        let ascii = utf8.withContiguousStorageIfAvailable { bytes -> Bool? in
            let (upper, ascii) = bytes.asciiCases
            return upper ? false : ascii ? true : nil
        }
        switch ascii {
        case true?: return self
        case false?: return lowercased()
        default:
            // Not ASCII (or not contiguous): unchanged when no scalar changes when lower-cased
            // (for an ASCII scalar, when it is no capital letter: no property lookup).
            for scalar in unicodeScalars {
                let changes = scalar.isASCII ? ("A"..."Z").contains(scalar) : scalar.properties.changesWhenLowercased
                if changes { return lowercased() }
            }
            return self
        }
    }
}
