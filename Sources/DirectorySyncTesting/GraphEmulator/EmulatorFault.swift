import DirectorySync
import DirectorySyncHTTP
import Foundation

/// A failure the emulator can inject, to prove that clients survive it.
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
    ///   - faults: The faults to choose from.
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
        if path.hasPrefix("/v1.0/") { return Reply(response: graph(request).0) }
        return Reply(response: login(request))
    }
}
