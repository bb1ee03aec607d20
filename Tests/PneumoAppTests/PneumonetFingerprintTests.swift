import Engine
import Foundation
import OpenCLKit
import XCTest
@testable import PneumoApp

/// pneumonet's numbers on the CPU device, recorded before models became graphs: one training
/// forward and backward (logits, every gradient, running statistics after the step) and an
/// inference forward. The engine must keep them bit for bit, since the kernels and their
/// order did not change; on another device the values are compared within a tolerance.
final class PneumonetFingerprintTests: XCTestCase {
    /// FNV-1a over the float bits, and the float64 sum, of each tensor.
    struct Fingerprint: Equatable, CustomStringConvertible {
        let hash: UInt64
        let sum: Double
        var description: String { "(0x\(String(hash, radix: 16)), \(sum))" }

        init(_ values: [Float]) {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for value in values {
                var bits = value.bitPattern
                for _ in 0..<4 {
                    hash = (hash ^ UInt64(bits & 0xff)) &* 0x100_0000_01b3
                    bits >>= 8
                }
            }
            self.hash = hash
            sum = values.reduce(0) { $0 + Double($1) }
        }

        init(hash: UInt64, sum: Double) {
            self.hash = hash
            self.sum = sum
        }
    }

    /// The input: a smooth pattern per image, so every channel sees varied values.
    static func input(batch: Int, side: Int) -> [Float] {
        (0..<(batch * side * side)).map { index in
            let image = index / (side * side), pixel = index % (side * side)
            let y = pixel / side, x = pixel % side
            return 0.5 + 0.5 * sin(Float(x * (image + 1)) * 0.11 + Float(y) * 0.07 + Float(image))
        }
    }

    /// Every number of one step, by name.
    static func measure(context: ComputeContext) throws -> [String: Fingerprint] {
        let spec = try BuiltinModels.resolve("pneumonet")
        let model = try ModelBuilder.build(spec, classes: 2, context: context, seed: 21)
        let batch = 4, side = spec.input.size
        let input = try Tensor(context, shape: [batch, 1, side, side], values: Self.input(batch: batch, side: side))
        let targets = try Tensor(context, shape: [batch, 1], values: [1, 0, 1, 0])
        let loss = try BinaryCrossEntropy(context)
        let logits = try model.forward(input, mode: .training)
        let value = try loss.forward(logits: logits, targets: targets)
        try model.backwardToParameters(try loss.backward())
        var prints: [String: Fingerprint] = [
            "logits": Fingerprint(try logits.toArray()), "loss": Fingerprint(try value.toArray()),
        ]
        for (name, parameter) in model.namedParameters { prints["grad." + name] = Fingerprint(try parameter.gradient.toArray()) }
        for (name, tensor) in model.namedBuffers { prints[name] = Fingerprint(try tensor.toArray()) }
        prints["inference"] = Fingerprint(try model.forward(input, mode: .inference).toArray())
        return prints
    }

    func testPneumonetStepMatchesTheRecordedNumbers() throws {
        let context = try ComputeContext(device: try DeviceSelector.choose(flag: "cpu").device)
        let measured = try Self.measure(context: context)
        if ProcessInfo.processInfo.environment["PNEUMO_PRINT_FINGERPRINT"] != nil {
            Swift.print("device: \(context.device.name) on \(context.device.platform.name)")
            for name in measured.keys.sorted() {
                let print = measured[name]!
                Swift.print("        \"\(name)\": .init(hash: 0x\(String(print.hash, radix: 16)), sum: \(print.sum)),")
            }
        }
        XCTAssertEqual(Set(measured.keys), Set(Self.recorded.keys))
        let sameDevice = context.device.name == Self.recordedDevice
        for (name, expected) in Self.recorded {
            guard let got = measured[name] else { continue }
            if sameDevice {
                XCTAssertEqual(got, expected, "\(name) changed")
            } else {
                XCTAssertEqual(got.sum, expected.sum, accuracy: 1e-3 * max(1, abs(expected.sum)), name)
            }
        }
    }

    /// The device the numbers were recorded on; elsewhere only the sums are compared.
    static let recordedDevice = "pthread-skylake-avx512-Intel(R) Xeon(R) Processor"

    /// Recorded before models became graphs, with PoCL on the CPU.
    static let recorded: [String: Fingerprint] = [
        "1.running_mean": .init(hash: 0xaba988c26da0a9bb, sum: -0.10708416951820254),
        "1.running_var": .init(hash: 0x33878d9ac74d07d1, sum: 14.754369080066681),
        "13.running_mean": .init(hash: 0xf78ecf1ef9fd5d57, sum: -0.07738223520573229),
        "13.running_var": .init(hash: 0xb4567e32b2ee89a0, sum: 126.87591594457626),
        "17.running_mean": .init(hash: 0xc77b919e07a9f388, sum: -0.30530266105779447),
        "17.running_var": .init(hash: 0xfb750d1da33ba8a, sum: 254.4798868894577),
        "5.running_mean": .init(hash: 0x381a4c1657d0a151, sum: 0.1805131365545094),
        "5.running_var": .init(hash: 0x8beec343aaac65e3, sum: 31.719754338264465),
        "9.running_mean": .init(hash: 0x67af486c892363b0, sum: 0.31472282065078616),
        "9.running_var": .init(hash: 0x2fb9c0599dcf611e, sum: 63.12045329809189),
        "grad.0.bias": .init(hash: 0xe64fb0101a3d6dc1, sum: 3.073364496231079e-07),
        "grad.0.weight": .init(hash: 0xcc7d247ee50c8f74, sum: 3.622173673589714),
        "grad.1.bias": .init(hash: 0xb18713d140580d1e, sum: -0.057732030749320984),
        "grad.1.weight": .init(hash: 0x10aa42f705677d8b, sum: -1.9185245037078857e-07),
        "grad.12.bias": .init(hash: 0x84e7e5683a88cd4c, sum: 3.087643563048914e-08),
        "grad.12.weight": .init(hash: 0xf739b4f8e07d070e, sum: 6.158818654649167),
        "grad.13.bias": .init(hash: 0xf565e7e1f8b34469, sum: -0.006938394450116903),
        "grad.13.weight": .init(hash: 0xc7fb6fcf8ca1140c, sum: 3.2373936846852303e-06),
        "grad.16.bias": .init(hash: 0x954fc29e3a071581, sum: 1.019853357320244e-08),
        "grad.16.weight": .init(hash: 0x741df279683c8c23, sum: 32.93525936717351),
        "grad.17.bias": .init(hash: 0x96be843523ad1230, sum: 0.18850369410392886),
        "grad.17.weight": .init(hash: 0x6b6b362138621668, sum: 0.23295383167715045),
        "grad.21.bias": .init(hash: 0xdf757616a99e8de3, sum: 0.11213453114032745),
        "grad.21.weight": .init(hash: 0xeaf53052fa35b101, sum: 12.465406116098166),
        "grad.4.bias": .init(hash: 0x6fa12e7b0a9d56db, sum: 1.7695128917694092e-08),
        "grad.4.weight": .init(hash: 0x76c9c6e93aee4ec4, sum: -3.585892489500111),
        "grad.5.bias": .init(hash: 0x5a39efa2db4f7418, sum: -0.07214001286774874),
        "grad.5.weight": .init(hash: 0x125de5a60adc13c, sum: 1.6905833035707474e-06),
        "grad.8.bias": .init(hash: 0x9c2858fa4dc9696d, sum: 1.752050593495369e-08),
        "grad.8.weight": .init(hash: 0x424004b0a563061e, sum: 10.45684670083574),
        "grad.9.bias": .init(hash: 0xc8700b63efc84df, sum: 0.04599168954882771),
        "grad.9.weight": .init(hash: 0x74bb55cb171cc993, sum: -1.89291313290596e-07),
        "inference": .init(hash: 0x1a6bb9926ad5fd24, sum: -0.18999259918928146),
        "logits": .init(hash: 0x1dceca98274fd323, sum: 1.9164092484861612),
        "loss": .init(hash: 0xed0767775849bf5, sum: 0.8817504644393921),
    ]
}
