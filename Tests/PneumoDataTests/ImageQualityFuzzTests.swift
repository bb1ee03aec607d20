import Foundation
import PneumoData
import XCTest

/// Seeded random mutations of valid JPEGs through the decoder and the quality gate: whatever the
/// bytes, the result is an image with sane measures or one of the decoder's own errors, never a
/// crash or a hang. `PNEUMO_FUZZ_ITERATIONS` runs it longer than CI's few seconds.
final class ImageQualityFuzzTests: XCTestCase {
    private struct Mutator {
        var state: UInt64

        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(max(1, bound)))
        }

        /// One to four edits of the kinds that real damage and hostile files show.
        mutating func mutate(_ input: [UInt8]) -> [UInt8] {
            var bytes = input
            for _ in 0...next(4) {
                guard !bytes.isEmpty else { return bytes }
                switch next(7) {
                case 0: bytes[next(bytes.count)] ^= UInt8(1 << next(8))  // bit flip
                case 1: bytes[next(bytes.count)] = UInt8(next(256))  // byte overwrite
                case 2: bytes = Array(bytes.prefix(next(bytes.count)))  // truncation
                case 3:  // a marker where none belongs
                    let at = next(bytes.count)
                    bytes.insert(contentsOf: [0xFF, UInt8(0xC0 + next(64))], at: at)
                case 4:  // a run of filler
                    let at = next(bytes.count)
                    bytes.replaceSubrange(at..<min(bytes.count, at + next(512)), with: [UInt8](repeating: UInt8(next(256)), count: next(512)))
                case 5:  // a 16-bit field (sizes, lengths) set to an extreme
                    let at = next(max(1, min(bytes.count - 1, 600)))
                    let value = [0, 1, 0xFFFF, 0x7FFF, next(0x10000)][next(5)]
                    if at + 1 < bytes.count { bytes[at] = UInt8(value >> 8); bytes[at + 1] = UInt8(value & 0xFF) }
                default:  // a chunk copied elsewhere
                    let from = next(bytes.count), length = next(256)
                    let chunk = Array(bytes[from..<min(bytes.count, from + length)])
                    bytes.insert(contentsOf: chunk, at: next(bytes.count))
                }
            }
            return bytes
        }
    }

    func testMutatedJPEGsGiveAnImageOrADecoderError() throws {
        let iterations = ProcessInfo.processInfo.environment["PNEUMO_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 3000
        let seeds: [[UInt8]] = [
            try TestJPEG.grayRamp(width: 200, height: 160),
            try TestJPEG.grayRamp(width: 180, height: 180, progressive: true),
            try TestJPEG.encode([UInt8](repeating: 90, count: 130 * 140 * 3), width: 130, height: 140, as: .rgb),
            try TestJPEG.encode([UInt8](repeating: 40, count: 150 * 150 * 4), width: 150, height: 150, as: .cmyk),
        ]
        let decoder = try JPEGDecoder(maxPixels: 4 * 1024 * 1024)
        var mutator = Mutator(state: 20_261_206)
        var decoded = 0, refusedByDecoder = 0, failedGate = 0
        for iteration in 0..<iterations {
            let input = mutator.mutate(seeds[iteration % seeds.count])
            do {
                let result = try decoder.decodeMeasured(Data(input), side: 64)
                let measures = result.measures
                XCTAssertEqual(result.image.pixels.count, 64 * 64)
                XCTAssertTrue(measures.contrast.isFinite && (0...128).contains(measures.contrast), "iteration \(iteration): \(measures)")
                XCTAssertTrue((0...8.0001).contains(measures.entropy), "iteration \(iteration): \(measures)")
                XCTAssertTrue((0...1).contains(measures.flatShare), "iteration \(iteration): \(measures)")
                decoded += 1
                if !ImageQualityGate.standard.check(measures).isEmpty { failedGate += 1 }
            } catch is JPEGDecodeError {
                refusedByDecoder += 1
            }
        }
        XCTAssertEqual(decoded + refusedByDecoder, iterations)
        print("jpeg fuzz: \(iterations) inputs, \(decoded) decoded (\(failedGate) failed the gate), \(refusedByDecoder) refused by the decoder")
    }
}
