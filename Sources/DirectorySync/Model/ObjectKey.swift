/// A directory object id as a dictionary key: a lower-case GUID — the form Graph uses — packed
/// into 16 bytes, any other id kept as it is. Two keys are equal exactly when their ids are, but
/// hashing and comparing a packed GUID never touches string storage, which matters when a read or
/// a plan looks up a million member ids.
package enum ObjectKey: Hashable, Sendable {
    case guid(PackedGUID)
    case other(String)

    /// The key of an id.
    package init(_ id: String) {
        if let guid = PackedGUID(id) { self = .guid(guid) } else { self = .other(id) }
    }

    /// The key of the id with these UTF-8 bytes.
    init(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        if let guid = PackedGUID(utf8: bytes) { self = .guid(guid) } else { self = .other(String(decoding: bytes, as: UTF8.self)) }
    }
}

/// A user or group that a plan finds by the key of its id.
package protocol KeyedDirectoryObject: Identifiable, Sendable where ID == String {
    /// The key of ``id``, made without copying it.
    var objectKey: ObjectKey { get }
    /// A byte of the object's storage, read ahead so that it is in the cache when the key is made.
    var leadingByte: UInt8 { get }
}

extension DirectoryUser: KeyedDirectoryObject {
    /// The key of ``id``, read in place.
    package var objectKey: ObjectKey { fields.withBytes(.id) { ObjectKey(utf8: $0!) } }
    /// The first byte of the user's strings.
    package var leadingByte: UInt8 { fields.firstByte }
}

extension DirectoryGroup: KeyedDirectoryObject {
    /// The key of ``id``.
    package var objectKey: ObjectKey { ObjectKey(id) }
    /// The first byte of the id.
    package var leadingByte: UInt8 { id.utf8.first ?? 0 }
}
