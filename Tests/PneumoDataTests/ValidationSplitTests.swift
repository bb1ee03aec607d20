import Foundation
import PneumoData
import XCTest

final class ValidationSplitTests: XCTestCase {
    func testNoPatientOnBothSidesOfTheRealTrainSplit() throws {
        let root = try SharedData.folder("chest_xray")
        let train = try DatasetScanner.scanKaggle(root: root, splits: [.train]).samples
        let (trainIndices, validationIndices) = try ValidationSplit.grouped(train, fraction: 0.15, seed: 42)
        XCTAssertEqual(trainIndices.count + validationIndices.count, train.count)
        XCTAssertTrue(Set(trainIndices).isDisjoint(with: validationIndices))
        let trainPatients = Set(trainIndices.map { train[$0].patientID })
        let validationPatients = Set(validationIndices.map { train[$0].patientID })
        XCTAssertTrue(trainPatients.isDisjoint(with: validationPatients))
        // Fraction and class balance hold per class.
        for label in [0, 1] {
            let total = train.filter { $0.label == label }.count
            let inValidation = validationIndices.filter { train[$0].label == label }.count
            XCTAssertEqual(Double(inValidation) / Double(total), 0.15, accuracy: 0.01, "class \(label)")
        }
    }

    func testSameSeedSameSplitOtherSeedOtherSplit() throws {
        let samples = (0..<200).map { i in
            ImageSample(file: URL(fileURLWithPath: "/d/\(i).jpeg"), split: .train, classFolder: nil,
                        label: i % 3 == 0 ? 0 : 1, patientID: "p\(i / 3)")
        }
        let first = try ValidationSplit.grouped(samples, fraction: 0.2, seed: 1)
        XCTAssertEqual(try ValidationSplit.grouped(samples, fraction: 0.2, seed: 1).validation, first.validation)
        XCTAssertNotEqual(try ValidationSplit.grouped(samples, fraction: 0.2, seed: 2).validation, first.validation)
        let patients = { (indices: [Int]) in Set(indices.map { samples[$0].patientID }) }
        XCTAssertTrue(patients(first.train).isDisjoint(with: patients(first.validation)))
    }

    func testFractionOutOfRangeIsRefused() {
        XCTAssertThrowsError(try ValidationSplit.grouped([], fraction: 0, seed: 1))
        XCTAssertThrowsError(try ValidationSplit.grouped([], fraction: 1.5, seed: 1))
    }
}
