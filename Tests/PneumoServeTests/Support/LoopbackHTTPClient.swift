import Foundation
@testable import PneumoServe
#if canImport(Glibc)
import Glibc
#endif

/// An HTTP/1.1 answer as received.
struct HTTPAnswer {
    var status: Int
    /// Header names lowercased.
    var headers: [String: String]
    var body: [UInt8]

    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }
    /// `error.code` of a JSON error answer.
    var errorCode: String? { (json?["error"] as? [String: Any])?["code"] as? String }
    var errorMessage: String? { (json?["error"] as? [String: Any])?["message"] as? String }
}

/// A deliberately small HTTP/1.1 client over a blocking loopback socket, so tests control
/// every byte sent (missing or lying headers, chunked bodies) and never touch another host.
/// Each request runs on its own thread, so dozens can be in flight at once without starving
/// the Swift concurrency pool.
enum LoopbackHTTPClient {
    enum Failure: Error { case socket(String), malformedAnswer(String) }

    /// Sends one request. A `Host` in `headers` replaces the default `127.0.0.1:PORT`; the
    /// answer to a HEAD request is read without a body, whatever its Content-Length says.
    static func send(
        port: Int, method: String = "GET", path: String, headers: [(String, String)] = [],
        body: [UInt8] = [], chunked: Bool = false, timeoutSeconds: Int = 30
    ) async throws -> HTTPAnswer {
        try await onThread {
            try exchange(port: port, method: method, path: path, headers: headers, body: body,
                         chunked: chunked, timeoutSeconds: timeoutSeconds)
        }
    }

    /// Sends `request` byte for byte (a broken chunk size, a body shorter than its
    /// Content-Length...). With `halfClose` the client then shuts down its sending side, as a
    /// client that has nothing more to send does; without it the client waits for the answer.
    /// With `checkClose`, `closedAfterAnswer` tells whether the server closed the connection
    /// once it had answered (waiting up to the timeout to find out); otherwise it is false.
    static func sendRaw(
        port: Int, _ request: [UInt8], halfClose: Bool = false, checkClose: Bool = false, timeoutSeconds: Int = 30
    ) async throws -> (answer: HTTPAnswer, closedAfterAnswer: Bool) {
        try await onThread {
            let socket = try connect(port: port, timeoutSeconds: timeoutSeconds)
            defer { close(socket) }
            _ = writeAll(socket, request)
            if halfClose { shutdown(socket, Int32(SHUT_WR)) }
            var reader = SocketReader(socket: socket)
            let answer = try readAnswer(&reader, isHead: request.starts(with: Array("HEAD ".utf8)))
            return (answer, checkClose && reader.atEndOfStream())
        }
    }

    /// Sends `head`, then `body` in `pieces` parts with `pause` between them, as a slow link would.
    static func sendInPieces(
        port: Int, head: [UInt8], body: [UInt8], pieces: Int, pause: Duration, timeoutSeconds: Int = 30
    ) async throws -> HTTPAnswer {
        try await onThread {
            let socket = try connect(port: port, timeoutSeconds: timeoutSeconds)
            defer { close(socket) }
            _ = writeAll(socket, head)
            let size = (body.count + pieces - 1) / pieces
            for start in stride(from: 0, to: body.count, by: size) {
                Thread.sleep(forTimeInterval: Double(pause.components.attoseconds) / 1e18 + Double(pause.components.seconds))
                _ = writeAll(socket, Array(body[start..<min(start + size, body.count)]))
            }
            var reader = SocketReader(socket: socket)
            return try readAnswer(&reader, isHead: false)
        }
    }

    /// Sends several requests at once on one connection and reads one answer per method, in order.
    static func sendPipelined(port: Int, _ requests: [UInt8], methods: [String], timeoutSeconds: Int = 30) async throws -> [HTTPAnswer] {
        try await onThread {
            let socket = try connect(port: port, timeoutSeconds: timeoutSeconds)
            defer { close(socket) }
            _ = writeAll(socket, requests)
            var reader = SocketReader(socket: socket)
            return try methods.map { try readAnswer(&reader, isHead: $0 == "HEAD") }
        }
    }

    private static func onThread<T>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.start()
        }
    }

    private static func exchange(
        port: Int, method: String, path: String, headers: [(String, String)], body: [UInt8], chunked: Bool,
        timeoutSeconds: Int
    ) throws -> HTTPAnswer {
        let socket = try connect(port: port, timeoutSeconds: timeoutSeconds)
        defer { close(socket) }
        var head = "\(method) \(path) HTTP/1.1\r\n"
        if !headers.contains(where: { $0.0.lowercased() == "host" }) { head += "Host: 127.0.0.1:\(port)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: \(body.count)\r\n"
        head += "\r\n"
        var request = Array(head.utf8)
        if chunked {
            var offset = 0
            while offset < body.count {
                let piece = body[offset..<min(offset + 16_384, body.count)]
                request += Array("\(String(piece.count, radix: 16))\r\n".utf8) + piece + Array("\r\n".utf8)
                offset += piece.count
            }
            request += Array("0\r\n\r\n".utf8)
        } else {
            request += body
        }
        // The server may answer (413, 415) before reading the whole body; then writing can
        // fail while its answer is already waiting to be read, so a write error is not fatal.
        _ = writeAll(socket, request)
        var reader = SocketReader(socket: socket)
        return try readAnswer(&reader, isHead: method == "HEAD")
    }

    private static func connect(port: Int, timeoutSeconds: Int) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure.socket("socket() failed: errno \(errno)") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)  // 127.0.0.1 only
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(socket)
            throw Failure.socket("connect to 127.0.0.1:\(port) failed: errno \(errno)")
        }
        return socket
    }

    private static func writeAll(_ socket: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    /// Reads one answer, framed by Content-Length or chunked encoding.
    private static func readAnswer(_ reader: inout SocketReader, isHead: Bool) throws -> HTTPAnswer {
        let statusLine = try reader.line()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw Failure.malformedAnswer("status line '\(statusLine)'")
        }
        var headers: [String: String] = [:]
        while true {
            let line = try reader.line()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { throw Failure.malformedAnswer("header '\(line)'") }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body: [UInt8] = []
        if isHead {
            // No body follows an answer to HEAD; its Content-Length describes the GET answer.
        } else if headers["transfer-encoding"]?.lowercased() == "chunked" {
            while true {
                guard let size = Int(try reader.line().split(separator: ";")[0], radix: 16) else {
                    throw Failure.malformedAnswer("chunk size")
                }
                if size == 0 { _ = try reader.line(); break }
                body += try reader.bytes(size)
                _ = try reader.line()
            }
        } else if let length = headers["content-length"].flatMap(Int.init) {
            body = try reader.bytes(length)
        }
        return HTTPAnswer(status: status, headers: headers, body: body)
    }
}

/// Buffered reads from a socket.
private struct SocketReader {
    let socket: Int32
    var buffer: [UInt8] = []

    mutating func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        guard count > 0 else {
            throw LoopbackHTTPClient.Failure.socket(count == 0 ? "connection closed early" : "recv failed: errno \(errno)")
        }
        buffer += chunk[0..<count]
    }

    mutating func line() throws -> String {
        while true {
            if let end = buffer.firstRange(of: [13, 10], from: 0) {
                let line = String(decoding: buffer[0..<end.lowerBound], as: UTF8.self)
                buffer.removeFirst(end.upperBound)
                return line
            }
            try fill()
        }
    }

    /// Whether the peer closes the connection (no further bytes) within the receive timeout.
    mutating func atEndOfStream() -> Bool {
        guard buffer.isEmpty else { return false }
        var byte: UInt8 = 0
        return recv(socket, &byte, 1, 0) == 0
    }

    mutating func bytes(_ count: Int) throws -> [UInt8] {
        while buffer.count < count { try fill() }
        defer { buffer.removeFirst(count) }
        return Array(buffer[0..<count])
    }
}
