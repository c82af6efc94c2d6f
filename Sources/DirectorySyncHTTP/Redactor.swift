import DirectorySync
import Foundation

/// Removes secrets from anything that may be printed, logged or stored: authorization headers,
/// client secrets, access tokens and JWT-shaped strings.
package enum Redactor {
    /// What replaces a secret.
    package static let mask = "«redacted»"

    /// Header names whose values are always secret.
    package static let secretHeaders: Set<String> = ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"]

    /// Query and form fields whose values are always secret.
    package static let secretFields: Set<String> = [
        "client_secret", "access_token", "refresh_token", "id_token", "assertion", "password", "code", "token",
        "client_assertion",
    ]

    /// The headers with secret values masked.
    /// - Parameter headers: The headers.
    /// - Returns: A copy safe to print.
    package static func redact(_ headers: HTTPHeaders) -> HTTPHeaders {
        HTTPHeaders(headers.map { (name: $0.name, value: secretHeaders.contains($0.name.lowercased()) ? mask : redact($0.value)) })
    }

    /// The URL with secret query fields masked.
    /// - Parameter url: The URL.
    /// - Returns: The URL as text, safe to print.
    package static func redact(url: URL) -> String {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false), let items = components.queryItems else {
            return url.absoluteString
        }
        components.queryItems = items.map { secretFields.contains($0.name.lowercased()) ? URLQueryItem(name: $0.name, value: "redacted") : $0 }
        return components.url?.absoluteString ?? url.absoluteString
    }

    /// Text with secrets masked: `Bearer …`, JWT-shaped tokens, `client_secret=…` form fields and
    /// `"access_token": "…"` style JSON members.
    /// - Parameter text: Any text.
    /// - Returns: The text, safe to print.
    package static func redact(_ text: String) -> String {
        var result = text
        result = replace(#"(?i)(bearer|basic)\s+[A-Za-z0-9\-._~+/=]+"#, in: result, with: "$1 \(mask)")
        result = replace(#"eyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*"#, in: result, with: mask)
        let fields = secretFields.sorted().joined(separator: "|")
        // A value ends at `&`, white space or a quote: text that quotes a URL keeps its closing quote.
        result = replace(#"(?i)(\b(?:\#(fields))=)[^&\s"']*"#, in: result, with: "$1\(mask)")
        result = replace(#"(?i)("(?:\#(fields)|secret|clientSecret|bearerToken)"\s*:\s*")(?:[^"\\]|\\.)*""#, in: result, with: "$1\(mask)\"")
        return result
    }

    /// Text with every occurrence of the given secrets' values masked: for text a server wrote,
    /// which may repeat the credential it was sent (an error that echoes the request) without any
    /// of the shapes ``redact(_:)`` knows. Every non-empty value is masked, however short.
    /// - Parameters:
    ///   - secrets: The secrets the text must not show.
    ///   - text: Any text.
    /// - Returns: The text, safe to print.
    package static func mask(_ secrets: [Secret?], in text: String) -> String {
        var text = text
        for case let secret? in secrets where !secret.isEmpty {
            text = text.replacingOccurrences(of: secret.reveal(), with: mask)
        }
        return text
    }

    private static func replace(_ pattern: String, in text: String, with template: String) -> String {
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return text }
        return expression.stringByReplacingMatches(
            in: text, range: NSRange(text.startIndex..., in: text), withTemplate: template)
    }
}
