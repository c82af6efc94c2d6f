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
        var fields = GraphFields()
        var value: [Item]?
        var nextLink: String?
        var deltaLink: String?
        try reader.readObject { reader, key in
            if key.is("value") {
                try reader.field(0, &fields, &value)
            } else if key.is("@odata.nextLink") {
                try reader.field(1, &fields, &nextLink)
            } else if key.is("@odata.deltaLink") {
                try reader.field(2, &fields, &deltaLink)
            } else {
                try reader.skipValue()
            }
        }
        self.init(value: value ?? [], nextLink: nextLink, deltaLink: deltaLink)
    }

    /// Reads a whole page.
    init(reading data: Data) throws {
        self = try GraphJSONReader.read(data) { try Self(reading: &$0) }
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
        var user = GraphUser(id: "")
        var id: String?
        try reader.readObject { reader, key in
            if key.is("id") { try reader.field(0, &fields, &id)
            } else if key.is("userPrincipalName") { try reader.field(1, &fields, &user.userPrincipalName)
            } else if key.is("displayName") { try reader.field(2, &fields, &user.displayName)
            } else if key.is("givenName") { try reader.field(3, &fields, &user.givenName)
            } else if key.is("surname") { try reader.field(4, &fields, &user.surname)
            } else if key.is("mail") { try reader.field(5, &fields, &user.mail)
            } else if key.is("otherMails") { try reader.field(6, &fields, &user.otherMails)
            } else if key.is("proxyAddresses") { try reader.field(7, &fields, &user.proxyAddresses)
            } else if key.is("accountEnabled") { try reader.field(8, &fields, &user.accountEnabled)
            } else if key.is("userType") { try reader.field(9, &fields, &user.userType)
            } else if key.is("department") { try reader.field(10, &fields, &user.department)
            } else if key.is("jobTitle") { try reader.field(11, &fields, &user.jobTitle)
            } else if key.is("companyName") { try reader.field(12, &fields, &user.companyName)
            } else if key.is("city") { try reader.field(13, &fields, &user.city)
            } else if key.is("country") { try reader.field(14, &fields, &user.country)
            } else if key.is("officeLocation") { try reader.field(15, &fields, &user.officeLocation)
            } else if key.is("employeeId") { try reader.field(16, &fields, &user.employeeId)
            } else if key.is("onPremisesSamAccountName") { try reader.field(17, &fields, &user.onPremisesSamAccountName)
            } else if key.is("onPremisesDomainName") { try reader.field(18, &fields, &user.onPremisesDomainName)
            } else if key.is("onPremisesSecurityIdentifier") { try reader.field(19, &fields, &user.onPremisesSecurityIdentifier)
            } else { try other(&reader, key)
            }
        }
        guard let id else { throw reader.error("a string 'id' in every user") }
        user.id = id
        return user
    }
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
        try reader.readObject { reader, key in
            if key.is("id") { try reader.field(0, &fields, &id)
            } else if key.is("@odata.type") {
                if fields.first(1) { type = try reader.readOptionalString(sharing: Self.types) } else { try reader.skipValue() }
            } else if key.is("@removed") { try reader.field(2, &fields, &removed)
            } else { try reader.skipValue()
            }
        }
        guard let id else { throw reader.error("a string 'id' in every member") }
        self.init(id: id, type: type, removed: removed)
    }

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
        try reader.readObject { reader, key in
            if key.is("id") { try reader.field(0, &fields, &id)
            } else if key.is("displayName") { try reader.field(1, &fields, &group.displayName)
            } else if key.is("description") { try reader.field(2, &fields, &group.description)
            } else if key.is("mail") { try reader.field(3, &fields, &group.mail)
            } else if key.is("mailEnabled") { try reader.field(4, &fields, &group.mailEnabled)
            } else if key.is("securityEnabled") { try reader.field(5, &fields, &group.securityEnabled)
            } else if key.is("groupTypes") { try reader.field(6, &fields, &group.groupTypes)
            } else if key.is("members@delta") { try reader.field(7, &fields, &group.members)
            } else if key.is("@removed") { try reader.field(8, &fields, &group.removed)
            } else { try reader.skipValue()
            }
        }
        guard let id else { throw reader.error("a string 'id' in every group") }
        group.id = id
        return group
    }
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
