/// The members of one compact JSON object, written in the order given (the caller gives them
/// sorted): a comma before every member but the first; `nil` values left out.
struct JSONObjectWriter {
    private var first = true

    /// Starts the object.
    init(_ output: inout [UInt8]) { output.append(UInt8(ascii: "{")) }

    mutating func key(_ name: StaticString, to output: inout [UInt8]) {
        if !first { output.append(UInt8(ascii: ",")) }
        first = false
        output.append(UInt8(ascii: "\""))
        output.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        output.append(UInt8(ascii: "\""))
        output.append(UInt8(ascii: ":"))
    }

    mutating func string(_ name: StaticString, _ value: String?, to output: inout [UInt8]) {
        guard let value else { return }
        key(name, to: &output)
        JSONString.append(value, to: &output)
    }

    /// A string given as its UTF-8 bytes; `nil` left out.
    mutating func string(_ name: StaticString, utf8 value: UnsafeBufferPointer<UInt8>?, to output: inout [UInt8]) {
        guard let value else { return }
        key(name, to: &output)
        JSONString.append(value, to: &output)
    }

    mutating func bool(_ name: StaticString, _ value: Bool, to output: inout [UInt8]) {
        key(name, to: &output)
        if value {
            output.append(contentsOf: [UInt8(ascii: "t"), UInt8(ascii: "r"), UInt8(ascii: "u"), UInt8(ascii: "e")])
        } else {
            output.append(contentsOf: [UInt8(ascii: "f"), UInt8(ascii: "a"), UInt8(ascii: "l"), UInt8(ascii: "s"), UInt8(ascii: "e")])
        }
    }

    mutating func strings(_ name: StaticString, _ values: [String], to output: inout [UInt8]) {
        key(name, to: &output)
        output.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            JSONString.append(value, to: &output)
        }
        output.append(UInt8(ascii: "]"))
    }

    /// Object ids: a packed GUID's 36 digits and dashes written straight from its bits.
    mutating func strings(_ name: StaticString, _ values: DirectoryObjectIDs, to output: inout [UInt8]) {
        guard let guids = values.packedGUIDs else { return strings(name, Array(values), to: &output) }
        key(name, to: &output)
        output.append(UInt8(ascii: "["))
        for (index, guid) in guids.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            output.append(UInt8(ascii: "\""))
            let start = output.count
            output.append(contentsOf: repeatElement(0, count: PackedGUID.length))
            output.withUnsafeMutableBufferPointer { _ = guid.write(to: UnsafeMutableBufferPointer(rebasing: $0[start...])) }
            output.append(UInt8(ascii: "\""))
        }
        output.append(UInt8(ascii: "]"))
    }
}
