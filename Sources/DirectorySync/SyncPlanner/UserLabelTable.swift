/// The labels of users a plan has made so far, by row — in-scope users' by scope number, store
/// users' by slot — so that a user many operations name is one string, made once. The rows are
/// made with the first label; until then the table takes no memory.
///
/// A row for every user, not a dictionary of the users labelled: 16 bytes a row (16 MB for a
/// store of a million users, when any store user is named), but a label is found by its row,
/// where a dictionary hashed the row for every operation naming the user.
struct UserLabelTable {
    /// How many rows the table has.
    let rowCount: Int
    private var texts: [String?] = []

    init(rows: Int) { rowCount = rows }

    /// The row's label, if it is made.
    subscript(row: Int) -> String? { texts.isEmpty ? nil : texts[row] }

    /// Keeps `text` as the row's label.
    mutating func set(_ text: String, row: Int) {
        makeRows()
        texts[row] = text
    }

    /// Makes the labels of these rows that have none yet — each row once, however often it is
    /// listed — on every core, each moved into its row: a plan's operations name up to hundreds
    /// of thousands of users.
    mutating func make(_ rows: [Int], _ label: @Sendable (Int) -> String) {
        guard !rows.isEmpty else { return }
        makeRows()
        // The rows wanted are marked in a table, not sorted, and found in order; a row whose label
        // is made is left out, its text not read (a read of it would retain it).
        var wanted = [Bool](repeating: false, count: rowCount)
        for row in rows { wanted[row] = true }
        let missing = texts.withUnsafeBufferPointer { texts in wanted.indices.filter { wanted[$0] && texts[$0] == nil } }
        ParallelChunks.fill(&texts, rows: missing, label)
    }

    private mutating func makeRows() {
        if texts.isEmpty { texts = Array(repeating: nil, count: rowCount) }
    }
}
