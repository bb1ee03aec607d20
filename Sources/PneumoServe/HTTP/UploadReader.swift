import Hummingbird

/// Takes the image bytes out of a prediction request: a raw JPEG body or one file in a
/// `multipart/form-data` form. Everything stays in memory.
struct UploadReader {
    let maxBodyBytes: Int

    private static let rawTypes: Set<String> = ["image/jpeg", "image/jpg", "image/pjpeg", "application/octet-stream"]

    /// Checks the declared type and size before reading, then reads at most `maxBodyBytes`.
    func read(_ request: Request, meter: BodyMeter) async throws -> [UInt8] {
        let mediaType = try Self.acceptedMediaType(request.headers[.contentType])
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > maxBodyBytes {
            throw APIError.bodyTooLarge(limit: maxBodyBytes)
        }
        let body = try await collect(request.body, meter: meter)
        guard mediaType.essence == "multipart/form-data" else { return body }
        return try Self.fileFromForm(body, mediaType: mediaType)
    }

    private static func acceptedMediaType(_ header: String?) throws -> MediaType {
        let allowed = "send image/jpeg, application/octet-stream or multipart/form-data"
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
                message: "Images of type \(mediaType.essence) are not accepted; only JPEG is. Export the X-ray as JPEG.")
        }
        throw APIError(
            status: 415, code: "unsupported_media_type",
            message: "The Content-Type \(mediaType.essence) is not accepted; \(allowed).")
    }

    private func collect(_ body: RequestBody, meter: BodyMeter) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await buffer in body {
            meter.record(buffer.readableBytes)
            guard bytes.count + buffer.readableBytes <= maxBodyBytes else {
                throw APIError.bodyTooLarge(limit: maxBodyBytes)
            }
            bytes.append(contentsOf: buffer.readableBytesView)
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
