import Engine
import EngineTuning
import Foundation
import OpenCLKit
import XCTest

/// The algorithm race: every algorithm that supports a pass is built, checked against the
/// first and timed; the fastest wins and the profile's rule is reported beside it.
final class ConvolutionAlgorithmTunerTests: XCTestCase {
    func testRaceBuildsAndTimesEverySupportingAlgorithm() throws {
        let context = try TestDevice.context()
        let convolution = try Convolution(context, environment: [:])
        let g = try ConvGeometry(batch: 2, inChannels: 16, height: 12, width: 12, filters: 8, kernelHeight: 3, kernelWidth: 3,
                                 stride: 1, padding: .same)
        var tuner = ConvolutionAlgorithmTuner()
        tuner.warmup = 0
        tuner.runs = 1
        for pass in ConvolutionPass.allCases {
            let result = try tuner.tune(convolution, geometry: g, pass: pass)
            XCTAssertEqual(result.key, ConvolutionChoice.key(g, pass))
            XCTAssertEqual(Set(result.seconds.keys).union(result.rejected.keys), ["direct", "im2col", "winograd"], "\(pass)")
            XCTAssertTrue(result.rejected.isEmpty, "\(pass): \(result.rejected)")
            XCTAssertEqual(result.winner, result.seconds.min { $0.value < $1.value }?.key)
            XCTAssertEqual(result.ruleChoice, ConvolutionChoice.rule(g, pass, convolution.resources))
        }
        XCTAssertEqual(convolution.builtAlgorithmNames, ["direct", "im2col", "winograd"], "racing builds every contender")
        let strided = try ConvGeometry(batch: 1, inChannels: 16, height: 12, width: 12, filters: 8, kernelHeight: 3, kernelWidth: 3,
                                       stride: 2, padding: .same)
        XCTAssertEqual(try tuner.tune(convolution, geometry: strided, pass: .forward).seconds.keys.sorted(), ["im2col"])
    }
}
