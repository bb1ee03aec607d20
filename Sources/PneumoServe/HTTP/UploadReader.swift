import Foundation
import Hummingbird
import NIOHTTP1

/// Takes the image bytes out of a prediction request: a raw JPEG or DICOM body or one file in a
/// `multipart/form-data` form. Everything stays in memory.
///
/// Body failures are the client's: broken chunked framing is 400 `malformed_body`, a
/// connection that ends before the body does is 400 `incomplete_body`, and a client that
/// stops sending for `bodyTimeout` gets 408. All three close the connection.
struct UploadReader: Sendable {
    let maxBodyBytes: Int
    /// Longest wait for the next bytes of the body.
    var bodyTimeout: Duration = .seconds(30)

    private static let rawTypes: Set<String> = ["image/jpeg", "image/jpg", "image/pjpeg", "application/dicom", "application/octet-stream"]

    /// Checks the declared type and size before reading, then reads at most `maxBodyBytes`.
    func read(_ request: Request, meter: BodyMeter) async throws -> [UInt8] {
        let mediaType = try Self.acceptedMediaType(request.headers[.contentType])
        let declared = request.headers[.contentLength].flatMap(Int.init)
        if let declared, declared > maxBodyBytes {
            throw APIError.bodyTooLarge(limit: maxBodyBytes)
        }
        let body = try await collect(request.body, declared: declared, meter: meter)
        guard mediaType.essence == "multipart/form-data" else { return body }
        return try Self.fileFromForm(body, mediaType: mediaType)
    }

    private static func acceptedMediaType(_ header: String?) throws -> MediaType {
        let allowed = "send image/jpeg, application/dicom, application/octet-stream or multipart/form-data"
        guard let header, !header.isEmpty else {
            throw APIError(status: 415, code: "unsupported_media_type", message: "The request has no Content-Type; \(allowed).")
        }
        guard let mediaType = MediaType(header) else {
            throw APIError(
                status: 415, code: "unsupported_media_type", message: "The Content-Type '\(header.prefix(100))' is not valid; \(allowed).")
        }
        if rawTypes.contains(mediaType.essence) || mediaType.essence == "multipart/form-data" {
            return mediaType
        }
        if mediaType.essence.hasPrefix("image/") {
            throw APIError(
                status: 415, code: "unsupported_image_format",
                message: "Images of type \(mediaType.essence) are not accepted; only JPEG and DICOM are. Export the X-ray as JPEG or DICOM.")
        }
        throw APIError(
            status: 415, code: "unsupported_media_type",
            message: "The Content-Type \(mediaType.essence) is not accepted; \(allowed).")
    }

    /// Reads the whole body, racing a watchdog that gives up when no bytes arrived for
    /// `bodyTimeout`; giving up cancels the read, which ends the connection's input.
    private func collect(_ body: RequestBody, declared: Int?, meter: BodyMeter) async throws -> [UInt8] {
        let progress = BodyProgress()
        let maxBodyBytes = maxBodyBytes, timeout = bodyTimeout
        let bytes: [UInt8]? = try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
            group.addTask {
                var bytes: [UInt8] = []
                do {
                    for try await buffer in body {
                        progress.touch()
                        meter.record(buffer.readableBytes)
                        guard bytes.count + buffer.readableBytes <= maxBodyBytes else {
                            throw APIError.bodyTooLarge(limit: maxBodyBytes)
                        }
                        bytes.append(contentsOf: buffer.readableBytesView)
                    }
                } catch HTTPParserError.invalidEOFState {
                    throw APIError.incompleteBody(received: bytes.count, declared: declared)
                } catch let error as HTTPParserError {
                    throw APIError.malformedBody(String(describing: error))
                }
                if Task.isCancelled { return nil }  // the watchdog gave up; its answer wins
                if let declared, bytes.count < declared {
                    // The connection closed without a parser error: still not the whole body.
                    throw APIError.incompleteBody(received: bytes.count, declared: declared)
                }
                return bytes
            }
            group.addTask {
                while true {
                    let deadline = progress.last + timeout
                    try await Task.sleep(until: deadline, clock: .continuous)
                    if progress.last + timeout <= ContinuousClock.now { return nil }
                }
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        guard let bytes else {
            throw APIError.bodyTimeout(after: timeout, received: meter.bytesRead, declared: declared)
        }
        return bytes
    }

    private static func fileFromForm(_ body: [UInt8], mediaType: MediaType) throws -> [UInt8] {
        guard let boundary = mediaType.parameters["boundary"] else {
            throw APIError(
                status: 400, code: "bad_multipart",
                message: "The multipart/form-data Content-Type has no boundary parameter.")
        }
        let form: MultipartForm
        do {
            form = try MultipartForm(body: body, boundary: boundary)
        } catch MultipartForm.Failure.malformed(let reason) {
            throw APIError(status: 400, code: "bad_multipart", message: "The multipart form could not be read: \(reason).")
        } catch {
            throw APIError(status: 400, code: "bad_multipart", message: "The multipart boundary is empty or too long.")
        }
        let files = form.parts.filter { $0.filename != nil }
        guard files.count == 1, let file = files.first else {
            throw APIError(
                status: 400, code: files.isEmpty ? "missing_file" : "too_many_files",
                message: files.isEmpty
                    ? "The form has no file field; attach the JPEG as a file (e.g. field 'file')."
                    : "The form has \(files.count) files; send one image per request (requests are batched on the server).")
        }
        return Array(file.content)
    }
}

/// When the body last made progress; shared by the reader and its watchdog.
private final class BodyProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var instant = ContinuousClock.now

    var last: ContinuousClock.Instant {
        lock.lock()
        defer { lock.unlock() }
        return instant
    }

    func touch() {
        lock.lock()
        defer { lock.unlock() }
        instant = ContinuousClock.now
    }
}
