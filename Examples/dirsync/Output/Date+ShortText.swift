import Foundation

extension Date {
    /// `2026-11-27T14:05:00Z`
    var shortText: String { formatted(.iso8601) }
}
