extension Int {
    /// `1 record`, `2 records`, `12,345 records`: the count, grouped, with the right noun.
    /// - Parameters:
    ///   - singular: The noun for one.
    ///   - plural: The noun for any other count (default: `singular` + "s").
    func counted(_ singular: String, _ plural: String? = nil) -> String {
        "\(grouped) \(self == 1 ? singular : plural ?? singular + "s")"
    }

    /// `12,345`
    var grouped: String {
        let digits = String(magnitude)
        var result = ""
        for (offset, character) in digits.enumerated() {
            if offset > 0 && (digits.count - offset) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return self < 0 ? "-" + result : result
    }
}
