import Foundation
import XCTest

/// The DICOM files made by Scripts/make-dicom-fixtures.py from two of the data set's X-rays,
/// kept in Tests/Fixtures/DICOM.
enum DICOMFixtures {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/DICOM")

    /// One readable case: the file, the JPEG it was made from, and what it should be read as.
    struct Case {
        let name: String
        let photometric: String
        let bitsAllocated: Int
        let bitsStored: Int
        let syntaxUID: String
        /// Most a rendered pixel may differ from the JPEG's: 1 for lossless cases (rounding, and
        /// two libjpeg builds decoding the reference), more for lossy JPEG baseline.
        let maxDifference: Int
        let maxMeanDifference: Double
    }

    static let images = ["normal", "pneumonia"]

    static let cases: [Case] = [
        Case(name: "mono2-8bit-explicit", photometric: "MONOCHROME2", bitsAllocated: 8, bitsStored: 8, syntaxUID: "1.2.840.10008.1.2.1", maxDifference: 1, maxMeanDifference: 0.1),
        Case(name: "mono2-8bit-implicit", photometric: "MONOCHROME2", bitsAllocated: 8, bitsStored: 8, syntaxUID: "1.2.840.10008.1.2", maxDifference: 1, maxMeanDifference: 0.1),
        Case(name: "mono1-8bit-rle", photometric: "MONOCHROME1", bitsAllocated: 8, bitsStored: 8, syntaxUID: "1.2.840.10008.1.2.5", maxDifference: 1, maxMeanDifference: 0.1),
        Case(name: "mono2-12bit-window", photometric: "MONOCHROME2", bitsAllocated: 16, bitsStored: 12, syntaxUID: "1.2.840.10008.1.2.1", maxDifference: 1, maxMeanDifference: 0.1),
        Case(name: "mono1-16bit-signed", photometric: "MONOCHROME1", bitsAllocated: 16, bitsStored: 16, syntaxUID: "1.2.840.10008.1.2.1", maxDifference: 1, maxMeanDifference: 0.1),
        Case(name: "mono2-12bit-voilut", photometric: "MONOCHROME2", bitsAllocated: 16, bitsStored: 12, syntaxUID: "1.2.840.10008.1.2.1", maxDifference: 1, maxMeanDifference: 0.1),
        Case(name: "jpeg-baseline", photometric: "MONOCHROME2", bitsAllocated: 8, bitsStored: 8, syntaxUID: "1.2.840.10008.1.2.4.50", maxDifference: 24, maxMeanDifference: 1.5),
        Case(name: "jpeg-lossless", photometric: "MONOCHROME2", bitsAllocated: 16, bitsStored: 12, syntaxUID: "1.2.840.10008.1.2.4.70", maxDifference: 1, maxMeanDifference: 0.1),
        Case(name: "jpeg2000", photometric: "MONOCHROME2", bitsAllocated: 16, bitsStored: 12, syntaxUID: "1.2.840.10008.1.2.4.90", maxDifference: 1, maxMeanDifference: 0.1),
        Case(name: "jpeg-ls", photometric: "MONOCHROME2", bitsAllocated: 16, bitsStored: 12, syntaxUID: "1.2.840.10008.1.2.4.80", maxDifference: 1, maxMeanDifference: 0.1),
    ]

    static func file(_ image: String, _ testCase: Case) -> URL { folder.appendingPathComponent("\(image)-\(testCase.name).dcm") }
    static func jpeg(_ image: String) -> URL { folder.appendingPathComponent("\(image).jpeg") }
    static func bad(_ name: String) -> URL { folder.appendingPathComponent("bad/\(name).dcm") }
    static let identifiers = folder.appendingPathComponent("identifiers.dcm")
    /// The identifiers written into `identifiers.dcm`, none of which may appear in any output.
    static let identifierValues = ["Quixbyrne", "Zelphine", "PID-88412-QZX", "19230417", "1923-04-17", "ALT-55190-WKV",
                                   "ACC7731904", "Vexmoor", "Thrumbleck"]

    static func bytes(_ url: URL) throws -> [UInt8] { Array(try Data(contentsOf: url)) }
}
