import Foundation
import XCTest
@testable import PneumoServe

/// Images for the tests: small synthetic files built into the source, files from the
/// chest X-ray data set when it is present, and deliberately broken variants.
enum TestImages {
    /// A 24x16 grayscale baseline JPEG (libjpeg-turbo, quality 75, synthetic gradient).
    static let baselineBase64 = """
        /9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PT\
        gyPC4zNDL/wAALCAAQABgBAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIh\
        MUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhI\
        WGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEBAAA/APM9\
        BsPu8V6joNh93ivSNPW30zTp7+8fy7W1iaaZ9pO1FBLHA5OAD0rw7QbD7vFeo6DYfd4rn/jVr/2PR7LwpbH99fbbm746Qq3yLyv8TrnIII8vB4\
        av/9k=
        """
    /// The same gradient as a progressive JPEG.
    static let progressiveBase64 = """
        /9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PT\
        gyPC4zNDL/wgALCAAQABgBAREA/8QAFQABAQAAAAAAAAAAAAAAAAAABgX/2gAIAQEAAAABMqEgdRP/AP/EABgQAQEBAQEAAAAAAAAAAAAAAAMA\
        AhIF/9oACAEBAAEFAgxBiPkzDEGL2n4H/8QAHxABAAEBCQAAAAAAAAAAAAAAAgEQAAQRISIxcbHw/9oACAEBAAY/AqS3kTGM1F1O71Lj3Vv/xA\
        AcEAADAAEFAAAAAAAAAAAAAAAAATERIUFRcfD/2gAIAQEAAT8hmTEa2WfiJUmTOMX03opu14z/2gAIAQEAAAAQb//EABoQAQADAQEBAAAAAAAA\
        AAAAAAEAEVEhMUH/2gAIAQEAAT8QxTFOj0RNJVR1oHyYpilp8H59FpWInDyP/9k=
        """
    /// A 4x3 grayscale PNG.
    static let pngBase64 = "iVBORw0KGgoAAAANSUhEUgAAAAQAAAADCAAAAACRn/EaAAAAF0lEQVR4nGNgsKnYwiAS0HOCQSNlwR0AIBcFKXrjsHcAAAAASUVORK5CYII="

    static let baseline = decode(baselineBase64)
    static let progressive = decode(progressiveBase64)
    static let png = decode(pngBase64)

    /// Byte offset of the frame header's height field in `baseline` (after FF C0, length, precision).
    static var baselineSizeOffset: Int {
        guard let sof = baseline.firstRange(of: [0xFF, 0xC0], from: 2) else { return -1 }
        return sof.lowerBound + 5
    }

    /// `baseline` with a frame header claiming `width` x `height`.
    static func baseline(claiming width: Int, _ height: Int) -> [UInt8] {
        var bytes = baseline
        let offset = baselineSizeOffset
        bytes[offset] = UInt8(height >> 8)
        bytes[offset + 1] = UInt8(height & 0xFF)
        bytes[offset + 2] = UInt8(width >> 8)
        bytes[offset + 3] = UInt8(width & 0xFF)
        return bytes
    }

    /// `baseline` with a scan byte changed so that only a decoder would notice (see FakeClassifier).
    static var decoderRejected: [UInt8] {
        var bytes = baseline
        bytes[bytes.count - 3] = 0x42
        return bytes
    }

    /// The chest X-ray data set shared by the project, if present.
    static var dataSetDirectory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shared/data/chest_xray/test")
    }

    /// `count` X-ray JPEGs from the test split, alternating classes; skips the test if absent.
    static func xrays(_ count: Int) throws -> [(name: String, bytes: [UInt8])] {
        var files: [(String, [UInt8])] = []
        for folder in ["NORMAL", "PNEUMONIA"] {
            let directory = dataSetDirectory.appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            for name in names.filter({ $0.hasSuffix(".jpeg") }).sorted().prefix((count + 1) / 2) {
                let data = try Data(contentsOf: directory.appendingPathComponent(name))
                files.append(("\(folder)/\(name)", Array(data)))
            }
        }
        guard files.count >= count else {
            throw XCTSkip("The chest X-ray data set is not at \(dataSetDirectory.path).")
        }
        return Array(files.prefix(count))
    }

    private static func decode(_ base64: String) -> [UInt8] {
        Array(Data(base64Encoded: base64) ?? Data())
    }
}

extension TestImages {
    /// `baseline` with a comment segment making it unique, so each request's answer differs.
    static func variant(_ index: Int) -> [UInt8] {
        let text = Array("variant \(index)".utf8)
        let length = text.count + 2
        return Array(baseline[0..<2]) + [0xFF, 0xFE, UInt8(length >> 8), UInt8(length & 0xFF)] + text
            + Array(baseline[2...])
    }

    /// `count` distinct valid JPEGs: X-rays from the data set when present, else variants.
    static func distinctJPEGs(_ count: Int) -> [[UInt8]] {
        if let xrays = try? xrays(count) { return xrays.map(\.bytes) }
        return (0..<count).map(variant)
    }
}
