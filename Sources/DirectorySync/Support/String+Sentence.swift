extension String {
    /// This text and `next` as two sentences, `cause. next`, without doubling an end of sentence
    /// the text already has: an error's detail often comes from another error's description, which
    /// ends in a period itself (`…; then retry.`), and `"\(detail). \(fix)"` would print `retry..`.
    /// - Parameter next: The sentence that follows, such as an error's fix.
    /// - Returns: The joined text.
    package func followed(bySentence next: String) -> String {
        let cause = trimmingTrailingWhitespace()
        guard let last = cause.last else { return next }
        return [".", "!", "?", "…"].contains(last) ? "\(cause) \(next)" : "\(cause). \(next)"
    }

    private func trimmingTrailingWhitespace() -> Substring {
        var end = endIndex
        while end > startIndex, self[index(before: end)].isWhitespace { end = index(before: end) }
        return self[startIndex..<end]
    }
}
