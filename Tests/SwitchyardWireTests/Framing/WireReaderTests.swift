// WireReaderTests: the bounds-checked cursor: unsigned counts, failed reads that leave it in place.
import SwitchyardWire
import Testing

@Suite struct WireReaderTests {
    @Test(arguments: [([UInt8](arrayLiteral: 0x00, 0x00), 0), ([0x7F, 0xFF], 32767), ([0x80, 0x00], 32768), ([0xFF, 0xFF], 65535)])
    func countsAreUnsignedSixteenBitIntegers(bytes: [UInt8], count: Int) throws {
        #expect(try decodeBody(bytes) { reader throws(WireDecodingError) in try reader.readCount("count") } == count)
    }

    @Test func failedReadsLeaveTheIndexWhereItWas() throws {
        let bytes: [UInt8] = [0x41, 0x42, 0x43]
        try bytes.withUnsafeBytes { raw in
            var reader = WireReader(raw)
            #expect(throws: WireDecodingError.truncated(field: "n")) { try reader.readInt32("n") }
            #expect(throws: WireDecodingError.unterminatedString(field: "s")) { try reader.readCString("s") }
            #expect(throws: WireDecodingError.truncated(field: "b")) { try reader.readBytes(4, "b") }
            #expect(throws: WireDecodingError.invalidValue(field: "b", value: -1)) { try reader.readBytes(-1, "b") }
            #expect(reader.readerIndex == 0)
            #expect(try reader.readInt16("n") == 0x4142)
            #expect(reader.readRemainingBytes() == [0x43])
            try reader.expectEnd()
        }
    }

    @Test func reservedCapacityIsBoundedByTheRemainingBytes() {
        let bytes = [UInt8](repeating: 0, count: 10)
        bytes.withUnsafeBytes { raw in
            let reader = WireReader(raw)
            #expect(reader.capacity(for: 65535, elementSize: 4) == 2)
            #expect(reader.capacity(for: 1, elementSize: 4) == 1)
        }
    }

    @Test func signedIntegersAreBigEndianTwosComplement() throws {
        let bytes: [UInt8] = [0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF]
        let (short, long) = try decodeBody(bytes) { reader throws(WireDecodingError) in
            (try reader.readInt16("a"), try reader.readInt32("b"))
        }
        #expect(short == -2)
        #expect(long == -1)
    }
}
