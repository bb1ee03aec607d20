import PneumoData
import XCTest

/// Pins the generator's output, so splits and batch orders stay the same for a seed.
final class SplitMix64SequenceTests: XCTestCase {
    func testRawSequence() {
        var generator = SplitMix64(seed: 42)
        XCTAssertEqual(
            [generator.next(), generator.next(), generator.next()],
            [0xBDD7_3226_2FEB_6E95, 0x28EF_E333_B266_F103, 0x4752_6757_130F_9F52])
    }

    func testStreamSequence() {
        var generator = SplitMix64(seed: 42, stream: 3)
        XCTAssertEqual(
            [generator.next(), generator.next(), generator.next()],
            [0xB381_3D6C_D392_0241, 0xC2C0_B6B6_50F3_A66A, 0x0ABA_1B23_DE47_DECD])
    }

    func testIndicesAndShuffle() {
        var indices = SplitMix64(seed: 2024, stream: 0)
        XCTAssertEqual((0..<5).map { _ in indices.nextIndex(below: 10) }, [5, 3, 1, 6, 1])
        var shuffler = SplitMix64(seed: 99)
        var elements = Array(0..<10)
        shuffler.shuffle(&elements)
        XCTAssertEqual(elements, [7, 4, 3, 9, 5, 1, 8, 6, 0, 2])
    }
}
