import RetentionCore
import Testing

@Suite("Sizes on the command line")
struct ByteSizeTests {
    @Test("units are powers of 1024, in any case; a plain number is bytes", arguments: [
        ("64MB", Int64(64) << 20), ("1GB", Int64(1) << 30), ("512kB", Int64(512) << 10), ("2tb", Int64(2) << 40), ("4096", Int64(4096)), ("10B", Int64(10)),
    ])
    func sizes(text: String, bytes: Int64) {
        #expect(ByteSize.bytes(text) == bytes)
    }

    @Test("no number, zero, an unknown unit, a fraction or an overflow is refused", arguments: ["", "MB", "0", "0MB", "12XB", "1.5GB", "-1MB", "9999999999TB", " 1MB"])
    func refused(text: String) {
        #expect(ByteSize.bytes(text) == nil)
    }
}
