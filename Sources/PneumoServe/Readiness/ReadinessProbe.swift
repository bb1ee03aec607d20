import PneumoApp
import PneumoData

/// The image the server classifies once at start, before it reports ready: a deterministic
/// synthetic chest-like radiograph (a body, two darker lung fields crossed by ribs, a bright
/// spine), made in code and JPEG-encoded, so it travels the same path as an upload.
///
/// A checkpoint whose weights hold NaN or infinity, or whose layers overflow, gives
/// non-finite probabilities here; the server then answers 503 on `/readyz` and on every
/// prediction instead of serving meaningless numbers.
public enum ReadinessProbe {
    /// Width and height of the probe image; small enough for any `--max-pixels` worth using.
    public static let side = 128

    /// The probe as a grayscale baseline JPEG (empty only if TurboJPEG cannot encode).
    public static let jpeg: [UInt8] = makeJPEG()

    /// Encodes `pixels()`; the same bytes on every call.
    static func makeJPEG() -> [UInt8] {
        (try? JPEGEncoder.encodeGray(GrayImage(width: side, height: side, pixels: pixels()), quality: 90)) ?? []
    }

    /// The probe's pixels, row by row. Only +, *, sqrt and floor are used, so every platform
    /// computes the same values.
    static func pixels() -> [UInt8] {
        func smoothstep(_ low: Double, _ high: Double, _ x: Double) -> Double {
            let t = min(max((x - low) / (high - low), 0), 1)
            return t * t * (3 - 2 * t)
        }
        func inside(_ u: Double, _ v: Double, _ cx: Double, _ cy: Double, _ rx: Double, _ ry: Double, edge: Double) -> Double {
            let du = (u - cx) / rx, dv = (v - cy) / ry
            return 1 - smoothstep(1 - edge, 1, (du * du + dv * dv).squareRoot())
        }
        var pixels = [UInt8](repeating: 0, count: side * side)
        for y in 0..<side {
            for x in 0..<side {
                let u = (Double(x) + 0.5) / Double(side), v = (Double(y) + 0.5) / Double(side)
                let body = inside(u, v, 0.5, 0.56, 0.46, 0.52, edge: 0.15)
                let lungs = max(inside(u, v, 0.31, 0.5, 0.16, 0.3, edge: 0.25), inside(u, v, 0.69, 0.5, 0.16, 0.3, edge: 0.25))
                // Ribs: a triangle wave sloping down from the spine, seen through the lungs only.
                let phase = (v + 0.18 * abs(u - 0.5)) / 0.075
                let rib = 1 - 2 * abs(phase - phase.rounded(.down) - 0.5)
                let spine = 1 - smoothstep(0.03, 0.07, abs(u - 0.5))
                var value = 22 + 128 * body
                value -= 88 * lungs
                value += 20 * lungs * rib
                value += 60 * spine * body
                pixels[y * side + x] = UInt8(min(max(value.rounded(), 0), 255))
            }
        }
        return pixels
    }

    /// Classifies the probe with `classifier` and checks that every output is finite.
    static func run(_ classifier: any XRayClassifier) async -> Result<ProbeSuccess, ReadinessFailure> {
        func failed(_ reason: String) -> Result<ProbeSuccess, ReadinessFailure> {
            .failure(ReadinessFailure(code: ReadinessFailure.probeFailedCode, reason: reason))
        }
        let header: JPEGHeader
        do {
            header = try UploadCheck.header(of: jpeg, maxPixels: .max)
        } catch {
            return failed("the built-in probe image could not be made (\(error))")
        }
        let start = ContinuousClock.now
        let outcomes: [ClassificationOutcome]
        do {
            // The probe tests the model, not the quality gate, so a synthetic image is let through.
            outcomes = try await classifier.classify([ImageInput(jpeg: jpeg, wantsHeatmap: false, header: header, lowQuality: .flag)])
        } catch let error as NonFiniteOutputError {
            return .failure(ReadinessFailure(code: ReadinessFailure.notFiniteCode, reason: "\(error)"))
        } catch {
            return failed("the model failed on the built-in probe image: \(error)")
        }
        guard outcomes.count == 1, let outcome = outcomes.first else {
            return failed("the model gave \(outcomes.count) answers for the one probe image")
        }
        switch outcome {
        case .failure(let error):
            return failed("the model refused the built-in probe image: \(APIError(error).message)")
        case .success(let classification):
            let values = classification.probabilities.sorted { $0.key < $1.key }
            guard !values.isEmpty, values.allSatisfy({ $0.value.isFinite }) else {
                let shown = values.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                return .failure(ReadinessFailure(
                    code: ReadinessFailure.notFiniteCode,
                    reason: "its outputs on the built-in probe image are not finite (\(shown.isEmpty ? "no probabilities" : shown))"))
            }
            return .success(ProbeSuccess(probabilities: classification.probabilities, duration: ContinuousClock.now - start))
        }
    }
}
