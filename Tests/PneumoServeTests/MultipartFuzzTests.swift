import Foundation
import PneumoData
import SeededRandom
import XCTest
@testable import PneumoServe

/// Seeded random mutation of multipart uploads: whatever arrives, the reader returns parts
/// that lie inside the body and contain no delimiter, or throws its own error; it never
/// crashes, and never takes long. Same seed, same bodies, on every run.
final class MultipartFuzzTests: XCTestCase {
    static let seed: UInt64 = 0x5EED_F022
    /// A few seconds in CI; `PNEUMO_FUZZ_EXECUTIONS=200000` for a deeper run by hand.
    static let executions = ProcessInfo.processInfo.environment["PNEUMO_FUZZ_EXECUTIONS"].flatMap(Int.init) ?? 4_000

    /// Valid forms the mutations start from: the shapes browsers and curl send.
    private func seeds() -> [(contentType: String, body: [UInt8])] {
        let jpeg = TestImages.baseline
        func form(_ boundary: String, _ parts: [(name: String, filename: String?, type: String?, content: [UInt8])]) -> (String, [UInt8]) {
            (#"multipart/form-data; boundary="\#(boundary)""#, multipartBody(boundary: boundary, parts: parts))
        }
        return [
            form("----WebKitFormBoundary7MA4YWxkTrZu0gW", [("file", "chest.jpeg", "image/jpeg", jpeg)]),
            form("------------------------d74496d66958873e", [("note", nil, nil, Array("left lung".utf8)), ("file", "a.jpg", "image/jpeg", jpeg)]),
            form("x", [("file", "b.jpg", nil, jpeg), ("file", "c.jpg", "application/octet-stream", jpeg)]),
            form("b o u n d", [("empty", nil, nil, []), ("file", "\u{e9}t\u{e9}.jpg", "image/jpeg", Array(jpeg.prefix(64)))]),
            form(String(repeating: "z", count: 70), [("file", "d.jpg", "image/jpeg", jpeg)]),
        ]
    }

    private enum Mutation: CaseIterable {
        case flipBytes, truncate, damageBoundary, hugeHeader, duplicateSlice, deleteSlice, insertDelimiter, breakLineEnds,
             mangleContentType, splice
    }

    private func mutate(
        _ seed: (contentType: String, body: [UInt8]), with generator: inout SeededGenerator
    ) -> (contentType: String, body: [UInt8]) {
        var contentType = seed.contentType
        var body = seed.body
        let boundary = MediaType(contentType)?.parameters["boundary"] ?? "x"
        func index(_ count: Int) -> Int { count == 0 ? 0 : generator.nextIndex(below: count) }
        for _ in 0...index(3) {
            let all = Mutation.allCases
            switch all[index(all.count)] {
            case .flipBytes:
                for _ in 0...index(8) where !body.isEmpty { body[index(body.count)] ^= UInt8(truncatingIfNeeded: generator.next() | 1) }
            case .truncate:
                body = Array(body.prefix(index(body.count + 1)))
            case .damageBoundary:
                // Hit a byte inside one occurrence of the boundary, or its leading dashes.
                let delimiter = Array("--\(boundary)".utf8)
                if let hit = body.firstRange(of: delimiter, from: index(max(1, body.count / 2))) ?? body.firstRange(of: delimiter, from: 0) {
                    body[hit.lowerBound + index(hit.count)] = [0x2D, 0x0D, 0x0A, 0x22, 0x20, 0x00][index(6)]
                }
            case .hugeHeader:
                let header = Array("X-Padding: \(String(repeating: "a", count: 1_000 + index(60_000)))\r\n".utf8)
                if let end = body.firstRange(of: Array("\r\n\r\n".utf8), from: 0) {
                    body.insert(contentsOf: header, at: end.lowerBound + 2)
                }
            case .duplicateSlice:
                let start = index(body.count), length = index(min(4_096, body.count - start) + 1)
                body.insert(contentsOf: body[start..<(start + length)], at: index(body.count + 1))
            case .deleteSlice:
                let start = index(body.count), length = index(min(512, body.count - start) + 1)
                body.removeSubrange(start..<(start + length))
            case .insertDelimiter:
                let pieces = ["\r\n--\(boundary)", "\r\n--\(boundary)--", "--\(boundary)\r\n\r\n", "\r\n\r\n", "--", "\r\n"]
                body.insert(contentsOf: Array(pieces[index(pieces.count)].utf8), at: index(body.count + 1))
            case .breakLineEnds:
                for _ in 0...index(4) {
                    guard let crlf = body.firstRange(of: [0x0D, 0x0A], from: index(body.count)) else { break }
                    body.remove(at: crlf.lowerBound + index(2))
                }
            case .mangleContentType:
                let choices = [
                    "multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=\"\"",
                    "multipart/form-data; boundary=\(String(repeating: "q", count: 300))",
                    "multipart/form-data; boundary=\"\(boundary)", "multipart/form-data; boundary=\(boundary)x",
                    "multipart/form-data; boundary=\(boundary.prefix(max(1, boundary.count / 2)))",
                    "multipart/form-data;;boundary=\(boundary);boundary=other",
                ]
                contentType = choices[index(choices.count)]
            case .splice:
                let other = seeds()[index(seeds().count)].body
                let cut = index(body.count + 1)
                body = Array(body.prefix(cut)) + other.suffix(index(other.count + 1))
            }
        }
        return (contentType, body)
    }

    func testMutatedMultipartBodiesNeverCrashTheReader() throws {
        let seeds = seeds()
        var generator = SeededGenerator(seed: Self.seed)
        var parsed = 0, rejected = 0, noBoundary = 0
        var slowest: Duration = .zero
        let start = ContinuousClock.now
        for execution in 0..<Self.executions {
            let (contentType, body) = mutate(seeds[execution % seeds.count], with: &generator)
            guard let boundary = MediaType(contentType)?.parameters["boundary"] else {
                noBoundary += 1  // refused before reading: 400 bad_multipart
                continue
            }
            let began = ContinuousClock.now
            do {
                let form = try MultipartForm(body: body, boundary: boundary)
                parsed += 1
                let delimiter = Array("\r\n--\(boundary)".utf8)
                for part in form.parts {
                    XCTAssertGreaterThanOrEqual(part.content.startIndex, 0, "execution \(execution)")
                    XCTAssertLessThanOrEqual(part.content.endIndex, body.count, "execution \(execution)")
                    XCTAssertNil(Array(part.content).firstRange(of: delimiter, from: 0), "execution \(execution): delimiter inside a part")
                }
            } catch is MultipartForm.Failure {
                rejected += 1
            } catch {
                XCTFail("execution \(execution): \(error) is not MultipartForm.Failure")
            }
            slowest = max(slowest, ContinuousClock.now - began)
        }
        let elapsed = ContinuousClock.now - start
        print("multipart fuzz: seed \(Self.seed), \(Self.executions) executions in \(elapsed): \(parsed) parsed, "
              + "\(rejected) rejected with MultipartForm.Failure, \(noBoundary) without a boundary, slowest \(slowest)")
        XCTAssertGreaterThan(parsed, Self.executions / 20, "mutations that keep forms readable exercise the success path")
        XCTAssertGreaterThan(rejected, Self.executions / 5)
        XCTAssertLessThan(slowest, .seconds(1), "no mutated body takes long to read")
    }

    /// The unmutated seeds read back exactly; the fuzzer starts from forms the reader understands.
    func testSeedsAreReadable() throws {
        for seed in seeds() {
            let boundary = try XCTUnwrap(MediaType(seed.contentType)?.parameters["boundary"])
            let form = try MultipartForm(body: seed.body, boundary: boundary)
            XCTAssertTrue(form.parts.contains { $0.filename != nil }, seed.contentType)
        }
    }
}
