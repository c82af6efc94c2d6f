import Foundation

/// The JSON of etcd's v3 gateway (proto3 JSON): keys and values base64, int64 fields as strings,
/// fields with default values left out (so every field decodes as optional, absence meaning the
/// default).
enum EtcdWire {
    /// An int64 field: a JSON string (what etcd sends and accepts) or, tolerated on input, a number.
    struct Int64Value: Codable, Hashable {
        var value: Int64

        init(_ value: Int64) { self.value = value }

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                guard let value = Int64(text) else {
                    throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text.prefix(40))' is not an int64")
                }
                self.value = value
            } else {
                value = try container.decode(Int64.self)
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(String(value))
        }
    }

    static func bytes(_ text: String) -> Data { Data(text.utf8) }

    // MARK: Requests

    struct RangeRequest: Encodable {
        var key: Data
        var rangeEnd: Data?
        var limit: Int64Value?
        var revision: Int64Value?
        var keysOnly: Bool?

        init(_ range: EtcdKeyRange, limit: Int? = nil, revision: Int64? = nil, keysOnly: Bool = false) {
            key = bytes(range.key)
            rangeEnd = range.end
            self.limit = limit.map { Int64Value(Int64($0)) }
            self.revision = revision.map(Int64Value.init)
            self.keysOnly = keysOnly ? true : nil
        }

        enum CodingKeys: String, CodingKey {
            case key, limit, revision
            case rangeEnd = "range_end"
            case keysOnly = "keys_only"
        }
    }

    struct PutRequest: Encodable {
        var key: Data
        var value: Data
        var lease: Int64Value?
        var prevKV: Bool?

        init(key: String, value: Data, lease: Int64, previous: Bool) {
            self.key = bytes(key)
            self.value = value
            self.lease = lease == 0 ? nil : Int64Value(lease)
            prevKV = previous ? true : nil
        }

        enum CodingKeys: String, CodingKey {
            case key, value, lease
            case prevKV = "prev_kv"
        }
    }

    struct DeleteRangeRequest: Encodable {
        var key: Data
        var rangeEnd: Data?
        var prevKV: Bool?

        init(_ range: EtcdKeyRange, previous: Bool) {
            key = bytes(range.key)
            rangeEnd = range.end
            prevKV = previous ? true : nil
        }

        enum CodingKeys: String, CodingKey {
            case key
            case rangeEnd = "range_end"
            case prevKV = "prev_kv"
        }
    }

    struct Compare: Encodable {
        var compare: EtcdCompare

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(bytes(compare.key), forKey: .key)
            try container.encode(compare.relation.rawValue, forKey: .result)
            switch compare.target {
            case .createRevision(let revision):
                try container.encode("CREATE", forKey: .target)
                try container.encode(Int64Value(revision), forKey: .createRevision)
            case .modRevision(let revision):
                try container.encode("MOD", forKey: .target)
                try container.encode(Int64Value(revision), forKey: .modRevision)
            case .version(let version):
                try container.encode("VERSION", forKey: .target)
                try container.encode(Int64Value(version), forKey: .version)
            case .value(let value):
                try container.encode("VALUE", forKey: .target)
                try container.encode(value, forKey: .value)
            case .lease(let lease):
                try container.encode("LEASE", forKey: .target)
                try container.encode(Int64Value(lease), forKey: .lease)
            }
        }

        enum CodingKeys: String, CodingKey {
            case key, result, target, version, value, lease
            case createRevision = "create_revision"
            case modRevision = "mod_revision"
        }
    }

    struct RequestOp: Encodable {
        var operation: EtcdOperation

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch operation {
            case .range(let range): try container.encode(RangeRequest(range), forKey: .range)
            case .put(let key, let value, let lease, let previous):
                try container.encode(PutRequest(key: key, value: value, lease: lease, previous: previous), forKey: .put)
            case .delete(let range, let previous): try container.encode(DeleteRangeRequest(range, previous: previous), forKey: .delete)
            }
        }

        enum CodingKeys: String, CodingKey {
            case range = "request_range"
            case put = "request_put"
            case delete = "request_delete_range"
        }
    }

    struct TxnRequest: Encodable {
        var compare: [Compare]
        var success: [RequestOp]
        var failure: [RequestOp]

        init(_ txn: EtcdTxn) {
            compare = txn.compare.map(Compare.init)
            success = txn.success.map(RequestOp.init)
            failure = txn.failure.map(RequestOp.init)
        }
    }

    struct LeaseGrantRequest: Encodable {
        var ttl: Int64Value
        enum CodingKeys: String, CodingKey { case ttl = "TTL" }
    }

    struct LeaseRequest: Encodable {
        var id: Int64Value
        var keys: Bool?
        enum CodingKeys: String, CodingKey {
            case id = "ID"
            case keys
        }
    }

    struct AuthenticateRequest: Encodable {
        var name: String
        var password: String
    }

    // MARK: Responses

    struct Header: Decodable {
        var revision: Int64Value?
    }

    struct KeyValue: Decodable {
        var key: Data?
        var createRevision: Int64Value?
        var modRevision: Int64Value?
        var version: Int64Value?
        var value: Data?
        var lease: Int64Value?

        enum CodingKeys: String, CodingKey {
            case key, version, value, lease
            case createRevision = "create_revision"
            case modRevision = "mod_revision"
        }

        var keyValue: EtcdKeyValue {
            EtcdKeyValue(
                key: String(decoding: key ?? Data(), as: UTF8.self), value: value ?? Data(), createRevision: createRevision?.value ?? 0,
                modRevision: modRevision?.value ?? 0, version: version?.value ?? 0, lease: lease?.value ?? 0)
        }
    }

    struct RangeResponse: Decodable {
        var header: Header?
        var kvs: [KeyValue]?
        var more: Bool?
        var count: Int64Value?

        func result(revision fallback: Int64 = 0) -> EtcdRangeResult {
            let keyValues = (kvs ?? []).map(\.keyValue)
            return EtcdRangeResult(
                keyValues: keyValues, count: count?.value ?? Int64(keyValues.count), more: more ?? false, revision: header?.revision?.value ?? fallback)
        }
    }

    struct PutResponse: Decodable {
        var header: Header?
        var prevKV: KeyValue?
        enum CodingKeys: String, CodingKey {
            case header
            case prevKV = "prev_kv"
        }
    }

    struct DeleteRangeResponse: Decodable {
        var header: Header?
        var deleted: Int64Value?
        var prevKVs: [KeyValue]?
        enum CodingKeys: String, CodingKey {
            case header, deleted
            case prevKVs = "prev_kvs"
        }
    }

    struct ResponseOp: Decodable {
        var range: RangeResponse?
        var put: PutResponse?
        var delete: DeleteRangeResponse?
        enum CodingKeys: String, CodingKey {
            case range = "response_range"
            case put = "response_put"
            case delete = "response_delete_range"
        }
    }

    struct TxnResponse: Decodable {
        var header: Header?
        var succeeded: Bool?
        var responses: [ResponseOp]?
    }

    struct LeaseGrantResponse: Decodable {
        var id: Int64Value?
        var ttl: Int64Value?
        var error: String?
        enum CodingKeys: String, CodingKey {
            case id = "ID"
            case ttl = "TTL"
            case error
        }
    }

    /// One message of the keepalive stream: `{"result":{…}}`, or `{"error":{…}}`.
    struct KeepAliveResponse: Decodable {
        struct Result: Decodable {
            var id: Int64Value?
            var ttl: Int64Value?
            enum CodingKeys: String, CodingKey {
                case id = "ID"
                case ttl = "TTL"
            }
        }
        struct StreamError: Decodable {
            var message: String?
            var grpcCode: Int?
            enum CodingKeys: String, CodingKey {
                case message
                case grpcCode = "grpc_code"
            }
        }
        var result: Result?
        var error: StreamError?
    }

    struct TimeToLiveResponse: Decodable {
        var ttl: Int64Value?
        var grantedTTL: Int64Value?
        enum CodingKeys: String, CodingKey {
            case ttl = "TTL"
            case grantedTTL
        }
    }

    struct AuthenticateResponse: Decodable {
        var token: String?
    }

    /// An error answer: `{"error": "…", "message": "…", "code": N}`.
    struct ErrorResponse: Decodable {
        var error: String?
        var message: String?
        var code: Int?
    }

    /// Accepts any JSON object (answers whose content does not matter, such as a revoke's).
    struct Empty: Decodable {}
}
