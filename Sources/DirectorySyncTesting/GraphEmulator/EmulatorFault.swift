import DirectorySync
import DirectorySyncHTTP
import Foundation

/// A failure the emulator can inject, to prove that clients survive it.
///
/// JSON (the control API's `POST /_emulator/faults`): `{"kind": "status", "status": 503,
/// "retryAfter": "2"}` (`retryAfter` optional), `{"kind": "delay", "seconds": 1.5}`, and
/// `{"kind": "dropConnection"}`, `{"kind": "truncatedBody"}`, `{"kind": "malformedBody"}`,
/// `{"kind": "replayDeltaEntries"}`, `{"kind": "omitNextLink"}`. The form accepted before
/// (`{"status": {"_0": 503}}`) is still read.
public enum EmulatorFault: Hashable, Sendable, Codable {
    /// Answer with this status (a Graph error body); `retryAfter` adds a `Retry-After` header.
    case status(Int, retryAfter: String? = nil)
    /// Answer normally, after a delay in seconds.
    case delay(TimeInterval)
    /// Close the connection without answering.
    case dropConnection
    /// Answer normally, but cut the body in half.
    case truncatedBody
    /// Answer 200 with a body that is not JSON.
    case malformedBody
    /// Repeat some entries of the next delta page (a replay, which clients must apply idempotently).
    case replayDeltaEntries
    /// Answer normally, but without `@odata.nextLink`: the collection seems to end on this page.
    case omitNextLink
}

extension EmulatorFault {
    private enum CodingKeys: String, CodingKey { case kind, status, retryAfter, seconds }

    private static let kinds = ["status", "delay", "dropConnection", "truncatedBody", "malformedBody", "replayDeltaEntries", "omitNextLink"]

    /// Decodes the designed form (see ``EmulatorFault``), or the form accepted before it
    /// (`{"status": {"_0": 503, "retryAfter": "2"}}`, `{"delay": {"_0": 1.5}}`, `{"dropConnection": {}}`).
    /// - Parameter decoder: The decoder.
    /// - Throws: `DecodingError` when the value is neither.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        let name: String
        let values: KeyedDecodingContainer<AnyCodingKey>
        let statusKey: String
        let secondsKey: String
        if let kind = try container.decodeIfPresent(String.self, forKey: AnyCodingKey("kind")) {
            (name, values, statusKey, secondsKey) = (kind, container, "status", "seconds")
        } else {
            let legacy = try decoder.synthesizedEnumCase(expected: "a fault with a \"kind\"")
            (name, values, statusKey, secondsKey) = (legacy.name, legacy.values, "_0", "_0")
        }
        switch name {
        case "status":
            self = .status(
                try values.decode(Int.self, forKey: AnyCodingKey(statusKey)),
                retryAfter: try values.decodeIfPresent(String.self, forKey: AnyCodingKey("retryAfter")))
        case "delay": self = .delay(try values.decode(TimeInterval.self, forKey: AnyCodingKey(secondsKey)))
        case "dropConnection": self = .dropConnection
        case "truncatedBody": self = .truncatedBody
        case "malformedBody": self = .malformedBody
        case "replayDeltaEntries": self = .replayDeltaEntries
        case "omitNextLink": self = .omitNextLink
        default: throw DecodingError.unknownCase(name, of: "fault", known: Self.kinds, codingPath: decoder.codingPath)
        }
    }

    /// Encodes the designed form (see ``EmulatorFault``).
    /// - Parameter encoder: The encoder.
    /// - Throws: The encoder's errors.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .status(let status, let retryAfter):
            try container.encode("status", forKey: .kind)
            try container.encode(status, forKey: .status)
            try container.encodeIfPresent(retryAfter, forKey: .retryAfter)
        case .delay(let seconds):
            try container.encode("delay", forKey: .kind)
            try container.encode(seconds, forKey: .seconds)
        case .dropConnection: try container.encode("dropConnection", forKey: .kind)
        case .truncatedBody: try container.encode("truncatedBody", forKey: .kind)
        case .malformedBody: try container.encode("malformedBody", forKey: .kind)
        case .replayDeltaEntries: try container.encode("replayDeltaEntries", forKey: .kind)
        case .omitNextLink: try container.encode("omitNextLink", forKey: .kind)
        }
    }
}

/// Scripted and random faults.
struct FaultSchedule {
    var scripted: [(pathPrefix: String?, fault: EmulatorFault, remaining: Int)] = []
    var randomProbability = 0.0
    var randomFaults: [EmulatorFault] = []
    var random = SeededRandomNumberGenerator(seed: 0)
    var replayNextDeltaPage = false

    mutating func next(for path: String) -> EmulatorFault? {
        guard !path.hasPrefix("/_emulator/") else { return nil }
        if let index = scripted.firstIndex(where: { $0.pathPrefix.map(path.hasPrefix) ?? true }) {
            let fault = scripted[index].fault
            scripted[index].remaining -= 1
            if scripted[index].remaining <= 0 { scripted.remove(at: index) }
            return consume(fault)
        }
        if randomProbability > 0, !randomFaults.isEmpty, random.chance(randomProbability) {
            return consume(randomFaults.randomElement(using: &random)!)
        }
        return nil
    }

    private mutating func consume(_ fault: EmulatorFault) -> EmulatorFault? {
        if fault == .replayDeltaEntries {
            replayNextDeltaPage = true
            return nil
        }
        return fault
    }
}

extension EmulatorFault {
    /// The reply for a request hit by this fault (lock held).
    func reply(for request: HTTPRequest, emulator: GraphEmulator) -> GraphEmulator.Reply {
        switch self {
        case .status(let status, let retryAfter):
            var headers = HTTPHeaders()
            if let retryAfter { headers["Retry-After"] = retryAfter }
            let code = status == 429 ? "TooManyRequests" : status == 503 ? "ServiceUnavailable" : status == 504 ? "GatewayTimeout" : "InternalServerError"
            return GraphEmulator.Reply(response: emulator.graphError(status, code, "Injected fault.", headers: headers))
        case .dropConnection:
            return GraphEmulator.Reply(response: HTTPResponse(status: 0), dropConnection: true)
        case .delay(let seconds):
            var reply = emulator.unfaultedReply(request)
            reply.delay = seconds
            return reply
        case .truncatedBody:
            var reply = emulator.unfaultedReply(request)
            reply.response.body = reply.response.body.prefix(reply.response.body.count / 2)
            return reply
        case .malformedBody:
            return GraphEmulator.Reply(response: GraphEmulator.json(200, Data("{\"value\": [ this is not json".utf8)))
        case .replayDeltaEntries:
            return emulator.unfaultedReply(request)
        case .omitNextLink:
            var reply = emulator.unfaultedReply(request)
            if var object = try? JSONSerialization.jsonObject(with: reply.response.body) as? [String: Any] {
                object["@odata.nextLink"] = nil
                reply.response.body = (try? JSONSerialization.data(withJSONObject: object)) ?? reply.response.body
            }
            return reply
        }
    }
}

extension GraphEmulator {
    /// Schedules a fault for the next matching requests.
    /// - Parameters:
    ///   - fault: The fault.
    ///   - times: For how many requests.
    ///   - pathPrefix: Only requests whose path starts with this (all when `nil`).
    public func scheduleFault(_ fault: EmulatorFault, times: Int = 1, pathPrefix: String? = nil) {
        withState { faults.scripted.append((pathPrefix, fault, times)) }
    }

    /// Injects faults at random into Graph and login requests (control requests are spared).
    /// - Parameters:
    ///   - probability: The chance per request (0 turns random faults off).
    ///   - choices: The faults to choose from.
    ///   - seed: The seed, for reproducible runs.
    public func setRandomFaults(probability: Double, faults choices: [EmulatorFault], seed: UInt64) {
        withState {
            faults.randomProbability = probability
            faults.randomFaults = choices
            faults.random = SeededRandomNumberGenerator(seed: seed)
        }
    }

    /// Removes every scheduled and random fault.
    public func clearFaults() { withState { faults = FaultSchedule() } }

    /// The normal reply, bypassing faults (lock held).
    func unfaultedReply(_ request: HTTPRequest) -> Reply {
        let path = request.url.path
        if path.hasPrefix("/v1.0/") { return Reply(response: graph(request).0.response()) }
        return Reply(response: login(request))
    }
}
