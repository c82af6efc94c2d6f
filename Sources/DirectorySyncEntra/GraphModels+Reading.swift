import DirectorySync
import Foundation

/// A Graph object the provider reads field by field with ``GraphJSONReader`` (its `Decodable`
/// conformance is the reference the differential tests compare with).
protocol GraphJSONReadable: Decodable {
    init(reading reader: inout GraphJSONReader) throws
}

/// Which fields of an object were met, so the first of duplicate keys wins (as with `JSONDecoder`).
struct GraphFields {
    private(set) var bits: UInt64 = 0

    /// Marks the field; whether this is its first appearance.
    mutating func first(_ field: Int) -> Bool {
        let mask: UInt64 = 1 << field
        defer { bits |= mask }
        return bits & mask == 0
    }

    func contains(_ field: Int) -> Bool { bits & (1 << field) != 0 }
}

extension GraphJSONReader {
    /// Reads an optional string into `target` on the field's first appearance, else skips it.
    mutating func field(_ field: Int, _ fields: inout GraphFields, _ target: inout String?) throws {
        if fields.first(field) { target = try readOptionalString() } else { try skipValue() }
    }

    mutating func field(_ field: Int, _ fields: inout GraphFields, _ target: inout Bool?) throws {
        if fields.first(field) { target = try readOptionalBool() } else { try skipValue() }
    }

    mutating func field(_ field: Int, _ fields: inout GraphFields, _ target: inout [String]?) throws {
        if fields.first(field) { target = try readOptionalStrings() } else { try skipValue() }
    }

    mutating func field<Item: GraphJSONReadable>(_ field: Int, _ fields: inout GraphFields, _ target: inout Item?) throws {
        guard fields.first(field) else { return try skipValue() }
        target = readNull() ? nil : try Item(reading: &self)
    }

    mutating func field<Item: GraphJSONReadable>(_ field: Int, _ fields: inout GraphFields, _ target: inout [Item]?) throws {
        guard fields.first(field) else { return try skipValue() }
        if readNull() {
            target = nil
            return
        }
        var items: [Item] = []
        try readArray { reader in items.append(try Item(reading: &reader)) }
        target = items
    }
}

extension GraphPage: GraphJSONReadable where Item: GraphJSONReadable {
    init(reading reader: inout GraphJSONReader) throws {
        let page = try Self.read(&reader) { $0 }
        self.init(value: page.value, nextLink: page.nextLink, deltaLink: page.deltaLink)
    }

    /// Reads a whole page.
    init(reading data: Data) throws {
        self = try GraphJSONReader.read(data) { try Self(reading: &$0) }
    }

    /// Reads a page's object, each item of `value` through `transform` as soon as it is read —
    /// the page keeps what `transform` makes of its items, never an array of the items themselves.
    static func read<Output>(_ reader: inout GraphJSONReader, _ transform: (consuming Item) -> Output) throws
        -> (value: [Output], nextLink: String?, deltaLink: String?)
    {
        var fields = GraphFields()
        var value: [Output]?
        var nextLink: String?
        var deltaLink: String?
        try reader.readObject { reader, key in
            if key.is("value") {
                guard fields.first(0) else { return try reader.skipValue() }
                guard !reader.readNull() else { return }
                var items: [Output] = []
                try reader.readArray { reader in items.append(transform(try Item(reading: &reader))) }
                value = items
            } else if key.is("@odata.nextLink") {
                try reader.field(1, &fields, &nextLink)
            } else if key.is("@odata.deltaLink") {
                try reader.field(2, &fields, &deltaLink)
            } else {
                try reader.skipValue()
            }
        }
        return (value ?? [], nextLink, deltaLink)
    }
}

extension GraphUser: GraphJSONReadable {
    init(reading reader: inout GraphJSONReader) throws {
        var fields = GraphFields()
        self = try Self.read(&reader, &fields) { reader, _ in try reader.skipValue() }
    }

    /// Reads a user, noting in `fields` which of ``select`` it carried (bit = position in
    /// ``select``); keys it does not know go to `other`.
    static func read(
        _ reader: inout GraphJSONReader, _ fields: inout GraphFields, other: (inout GraphJSONReader, GraphJSONReader.Key) throws -> Void
    ) throws -> GraphUser {
        // Each property read into its own value, the model's user made from them at once (it
        // keeps its strings together); the properties whose `null` means something else there
        // are settled at the end.
        var id, userPrincipalName, displayName, givenName, surname, mail, userType, department, jobTitle: String?
        var companyName, city, country, officeLocation, employeeId, samAccountName, domainName, securityIdentifier: String?
        var otherMails: [String]?
        var proxyAddresses: [String]?
        var accountEnabled: Bool?
        var previous = -1
        try reader.readObject { reader, key in
            switch keys.position(of: key, after: &previous) {
            case 0: try reader.field(0, &fields, &id)
            case 1: try reader.field(1, &fields, &userPrincipalName)
            case 2: try reader.field(2, &fields, &displayName)
            case 3: try reader.field(3, &fields, &givenName)
            case 4: try reader.field(4, &fields, &surname)
            case 5: try reader.field(5, &fields, &mail)
            case 6: try reader.field(6, &fields, &otherMails)
            case 7: try reader.field(7, &fields, &proxyAddresses)
            case 8: try reader.field(8, &fields, &accountEnabled)
            case 9: try reader.field(9, &fields, &userType)
            case 10: try reader.field(10, &fields, &department)
            case 11: try reader.field(11, &fields, &jobTitle)
            case 12: try reader.field(12, &fields, &companyName)
            case 13: try reader.field(13, &fields, &city)
            case 14: try reader.field(14, &fields, &country)
            case 15: try reader.field(15, &fields, &officeLocation)
            case 16: try reader.field(16, &fields, &employeeId)
            case 17: try reader.field(17, &fields, &samAccountName)
            case 18: try reader.field(18, &fields, &domainName)
            case 19: try reader.field(19, &fields, &securityIdentifier)
            default: try other(&reader, key)
            }
        }
        guard let id else { throw reader.error("a string 'id' in every user") }
        return GraphUser(
            directoryUser: DirectoryUser(
                id: id, userPrincipalName: userPrincipalName ?? id, displayName: displayName, givenName: givenName, surname: surname,
                mail: mail, otherMails: otherMails ?? [], proxyAddresses: proxyAddresses ?? [], accountEnabled: accountEnabled ?? true,
                userType: userType, department: department, jobTitle: jobTitle, companyName: companyName, city: city, country: country,
                officeLocation: officeLocation, employeeId: employeeId, onPremisesSamAccountName: samAccountName,
                onPremisesDomainName: domainName, onPremisesSecurityIdentifier: securityIdentifier))
    }

    /// The keys ``read(_:_:other:)`` knows, in the order of ``select`` (a key's position is its field).
    private static let keys = GraphJSONReader.KeyTable([
        "id", "userPrincipalName", "displayName", "givenName", "surname", "mail", "otherMails", "proxyAddresses",
        "accountEnabled", "userType", "department", "jobTitle", "companyName", "city", "country", "officeLocation",
        "employeeId", "onPremisesSamAccountName", "onPremisesDomainName", "onPremisesSecurityIdentifier",
    ])
}

extension GraphDeltaUserEntry: GraphJSONReadable {
    init(reading reader: inout GraphJSONReader) throws {
        var fields = GraphFields()
        var removedFields = GraphFields()
        var removed: GraphDeltaGroup.Removed?
        user = try GraphUser.read(&reader, &fields) { reader, key in
            if key.is("@removed") { try reader.field(0, &removedFields, &removed) } else { try reader.skipValue() }
        }
        self.removed = removed
        keys = Set(GraphUser.select.indices.filter(fields.contains).map { GraphUser.select[$0] })
    }
}

extension GraphDeltaGroup.Removed: GraphJSONReadable {
    init(reading reader: inout GraphJSONReader) throws {
        var fields = GraphFields()
        var reason: String?
        try reader.readObject { reader, key in
            if key.is("reason") { try reader.field(0, &fields, &reason) } else { try reader.skipValue() }
        }
        self.init(reason: reason)
    }
}

extension GraphDeltaGroup.Member: GraphJSONReadable {
    init(reading reader: inout GraphJSONReader) throws {
        var fields = GraphFields()
        var id: String?
        var type: String?
        var removed: GraphDeltaGroup.Removed?
        var previous = -1
        try reader.readObject { reader, key in
            switch Self.keys.position(of: key, after: &previous) {
            case 0: if fields.first(0) { type = try reader.readOptionalString(sharing: Self.types) } else { try reader.skipValue() }
            case 1: try reader.field(1, &fields, &id)
            case 2: try reader.field(2, &fields, &removed)
            default: try reader.skipValue()
            }
        }
        guard let id else { throw reader.error("a string 'id' in every member") }
        self.init(id: id, type: type, removed: removed)
    }

    /// The keys a member has, in the order Graph writes them; a key's position is its field.
    private static let keys = GraphJSONReader.KeyTable(["@odata.type", "id", "@removed"])

    /// The member types Graph sends for almost every member.
    private static let types = ["#microsoft.graph.user", "#microsoft.graph.group"]
}

extension GraphMember: GraphJSONReadable {
    init(reading reader: inout GraphJSONReader) throws {
        let member = try GraphDeltaGroup.Member(reading: &reader)
        self.init(id: member.id, type: member.type)
    }
}

extension GraphDeltaGroup: GraphJSONReadable {
    init(reading reader: inout GraphJSONReader) throws {
        var fields = GraphFields()
        self = try Self.read(&reader, &fields)
    }

    /// Reads a group, noting in `fields` which keys it carried (bits: id, then ``select`` without
    /// `members`, then `members@delta`, `@removed`).
    static func read(_ reader: inout GraphJSONReader, _ fields: inout GraphFields) throws -> GraphDeltaGroup {
        var group = GraphDeltaGroup(id: "")
        var id: String?
        var previous = -1
        try reader.readObject { reader, key in
            switch keys.position(of: key, after: &previous) {
            case 0: try reader.field(0, &fields, &id)
            case 1: try reader.field(1, &fields, &group.displayName)
            case 2: try reader.field(2, &fields, &group.description)
            case 3: try reader.field(3, &fields, &group.mail)
            case 4: try reader.field(4, &fields, &group.mailEnabled)
            case 5: try reader.field(5, &fields, &group.securityEnabled)
            case 6: try reader.field(6, &fields, &group.groupTypes)
            case 7: try reader.field(7, &fields, &group.members)
            case 8: try reader.field(8, &fields, &group.removed)
            default: try reader.skipValue()
            }
        }
        guard let id else { throw reader.error("a string 'id' in every group") }
        group.id = id
        return group
    }

    /// The keys ``read(_:_:)`` knows; a key's position is its field.
    private static let keys = GraphJSONReader.KeyTable([
        "id", "displayName", "description", "mail", "mailEnabled", "securityEnabled", "groupTypes", "members@delta", "@removed",
    ])
}

extension GraphDeltaGroupEntry: GraphJSONReadable {
    init(reading reader: inout GraphJSONReader) throws {
        var fields = GraphFields()
        group = try GraphDeltaGroup.read(&reader, &fields)
        keys = Set(Self.fields.indices.filter(fields.contains).map { Self.fields[$0] })
    }

    /// The keys ``GraphDeltaGroup/read(_:_:)`` notes, by bit.
    private static let fields = ["id", "displayName", "description", "mail", "mailEnabled", "securityEnabled", "groupTypes"]
}
