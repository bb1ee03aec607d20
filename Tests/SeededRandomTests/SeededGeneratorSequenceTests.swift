import SeededRandom
import XCTest

/// Pins the generator's output (the values the two generators it replaced gave), so weights,
/// dropout masks, augmentations, splits and batch orders stay the same for a seed.
final class SeededGeneratorSequenceTests: XCTestCase {
    func testRawSequenceMatchesSplitMix64() {
        var zero = SeededGenerator(seed: 0)
        XCTAssertEqual([zero.next(), zero.next()], [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4])
        var generator = SeededGenerator(seed: 42)
        XCTAssertEqual(
            [generator.next(), generator.next(), generator.next()],
            [0xBDD7_3226_2FEB_6E95, 0x28EF_E333_B266_F103, 0x4752_6757_130F_9F52])
    }

    func testUniformTakesTheTop24Bits() {
        var generator = SeededGenerator(seed: 7)
        let expected: [Float] = [6_540_257, 281_660, 15_112_256].map { Float($0) / Float(1 << 24) }
        XCTAssertEqual([generator.nextUniform(), generator.nextUniform(), generator.nextUniform()], expected)
    }

    func testNormalSequenceIsPinned() {
        var generator = SeededGenerator(seed: 11)
        // -0.117771, -0.94760025, -1.7975525
        XCTAssertEqual((0..<3).map { _ in generator.nextNormal().bitPattern }, [0xBDF1_31EC, 0xBF72_95EE, 0xBFE6_1633])
    }

    func testStreamSequence() {
        var generator = SeededGenerator(seed: 42, stream: 3)
        XCTAssertEqual(
            [generator.next(), generator.next(), generator.next()],
            [0xB381_3D6C_D392_0241, 0xC2C0_B6B6_50F3_A66A, 0x0ABA_1B23_DE47_DECD])
    }

    func testIndicesAndShuffle() {
        var indices = SeededGenerator(seed: 2024, stream: 0)
        XCTAssertEqual((0..<5).map { _ in indices.nextIndex(below: 10) }, [5, 3, 1, 6, 1])
        var shuffler = SeededGenerator(seed: 99)
        var elements = Array(0..<10)
        shuffler.shuffle(&elements)
        XCTAssertEqual(elements, [7, 4, 3, 9, 5, 1, 8, 6, 0, 2])
    }
}
