import DirectorySync
import DirectorySyncHTTP
import Foundation

/// The control API under `/_emulator/` (JSON), so tests in any language can drive a tenant through
/// changes between synchronizations. See `Documentation/GraphEmulator.md` for every request, and
/// `Documentation/JSON.md` for the bodies.
///
/// Answers: `{"status": "ok"}` for a change; `GET /_emulator/requests` an array of
/// ``EmulatorRequestRecord``; `GET /_emulator/resource-units` `{"total": 120}`; errors
/// `{"error": "…"}` with 400 (a body that does not fit the endpoint) or 404 (no such endpoint).
extension GraphEmulator {
    private struct MemberBody: Decodable {
        var id: String
        var type: String?
    }

    private struct FaultBody: Decodable {
        var fault: EmulatorFault
        var times: Int?
        var pathPrefix: String?
    }

    private struct Toggle: Decodable { var enabled: Bool }
    private struct Advance: Decodable { var seconds: Double }

    func control(_ request: HTTPRequest) -> HTTPResponse {
        let parts = Array(request.url.path.split(separator: "/").map(String.init).dropFirst())
        let query = Self.queryItems(request.url)
        let tenantID = query["tenant"] ?? tenants.keys.sorted().first ?? ""
        let body = request.body ?? Data()
        let decoder = JSONDecoder.deterministic()
        func ok(_ object: some Encodable = ["status": "ok"]) -> HTTPResponse {
            Self.json(200, (try? JSONEncoder.deterministic().encode(object)) ?? Data())
        }
        func bad(_ message: String) -> HTTPResponse { Self.json(400, (try? JSONEncoder.deterministic().encode(["error": message])) ?? Data()) }
        do {
            switch (request.method, parts.first ?? "", parts.count) {
            case (.get, "requests", 1): return ok(log)
            case (.get, "resource-units", 1): return ok(["total": log.reduce(0) { $0 + $1.resourceUnits }])
            case (.post, "users", 1):
                upsertUser(try decoder.decode(DirectoryUser.self, from: body), tenant: tenantID)
                return ok()
            case (.delete, "users", 2):
                if query["permanent"] == "true" { hardDeleteUser(id: parts[1], tenant: tenantID) } else { softDeleteUser(id: parts[1], tenant: tenantID) }
                return ok()
            case (.post, "users", 3) where parts[2] == "restore":
                restoreUser(id: parts[1], tenant: tenantID)
                return ok()
            case (.post, "groups", 1):
                upsertGroup(try decoder.decode(DirectoryGroup.self, from: body), tenant: tenantID)
                return ok()
            case (.delete, "groups", 2):
                if query["permanent"] == "true" { hardDeleteGroup(id: parts[1], tenant: tenantID) } else { softDeleteGroup(id: parts[1], tenant: tenantID) }
                return ok()
            case (.post, "groups", 3) where parts[2] == "restore":
                restoreGroup(id: parts[1], tenant: tenantID)
                return ok()
            case (.post, "groups", 3) where parts[2] == "members":
                let member = try decoder.decode(MemberBody.self, from: body)
                addMember(member.id, type: member.type ?? "user", to: parts[1], tenant: tenantID)
                return ok()
            case (.delete, "groups", 4) where parts[2] == "members":
                removeMember(parts[3], from: parts[1], tenant: tenantID)
                return ok()
            case (.post, "delta", 2) where parts[1] == "expire":
                expireDeltaLinks()
                return ok()
            case (.post, "delta", 2) where parts[1] == "reset":
                setDeltaReset(try decoder.decode(Toggle.self, from: body).enabled)
                return ok()
            case (.post, "throttling", 1):
                setThrottling(try decoder.decode(Toggle.self, from: body).enabled)
                return ok()
            case (.post, "faults", 1):
                let fault = try decoder.decode(FaultBody.self, from: body)
                if let problem = Self.problem(with: fault.fault) { return bad(problem) }
                guard (fault.times ?? 1) >= 1 else { return bad("'times' is \(fault.times ?? 1); give 1 or more (or leave it out for once)") }
                scheduleFault(fault.fault, times: fault.times ?? 1, pathPrefix: fault.pathPrefix)
                return ok()
            case (.delete, "faults", 1):
                clearFaults()
                return ok()
            case (.post, "clock", 2) where parts[1] == "advance":
                let seconds = try decoder.decode(Advance.self, from: body).seconds
                guard seconds.isFinite, abs(seconds) <= Self.longestAdvance else {
                    return bad("'seconds' must be a number of seconds within ±\(Int(Self.longestAdvance)) (a century)")
                }
                clock.advance(by: seconds)
                return ok()
            default:
                return Self.json(404, Data(#"{"error":"unknown control endpoint; see Documentation/GraphEmulator.md"}"#.utf8))
            }
        } catch {
            let notJSON = (try? JSONSerialization.jsonObject(with: body, options: .fragmentsAllowed)) == nil
            return bad("the body does not fit this endpoint (\(notJSON ? "it is not JSON" : Self.problem(error))); see Documentation/GraphEmulator.md")
        }
    }

    /// The farthest the clock moves in one step: a century.
    static let longestAdvance: TimeInterval = 100 * 366 * 86_400

    /// What makes a fault impossible to serve, if anything: a status that is not an HTTP status,
    /// a delay that is negative, not a number or longer than an hour.
    static func problem(with fault: EmulatorFault) -> String? {
        switch fault {
        case .status(let status, _) where !(100...599).contains(status):
            return "'status' is \(status); give an HTTP status from 100 to 599"
        case .delay(let seconds) where !(seconds.isFinite && (0...3_600).contains(seconds)):
            return "'seconds' must be from 0 to 3600"
        default:
            return nil
        }
    }

    /// What is wrong with a body, in a few words.
    private static func problem(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.isEmpty ? "" : " at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        }
        switch error {
        case .keyNotFound(let key, let context): return "'\(key.stringValue)' is missing\(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "\(context.debugDescription)\(path(context))"
        case .dataCorrupted(let context): return "\(context.debugDescription)\(path(context))"
        @unknown default: return "\(error)"
        }
    }
}
