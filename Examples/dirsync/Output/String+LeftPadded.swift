extension String {
    /// The text with spaces in front, `width` characters wide (as is when it is wider), for right-aligned columns.
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
