import Foundation
import XCTest
@testable import PneumoServe
#if canImport(Glibc)
import Glibc
#endif

/// Start-up failures say what to do, not what the socket call returned.
final class ServerStartupTests: XCTestCase {
    /// Binds and listens on a free loopback port, as another server would; returns it and its socket.
    private func occupyLoopbackPort() throws -> (port: Int, socket: Int32) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw XCTSkip("no socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 1) == 0 else {
            close(fd)
            throw XCTSkip("could not occupy a port: errno \(errno)")
        }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return (Int(UInt16(bigEndian: address.sin_port)), fd)
    }

    func testBusyPortNamesThePortAndTheOptions() async throws {
        setenv("LOG_LEVEL", "critical", 0)
        let (port, fd) = try occupyLoopbackPort()
        defer { close(fd) }
        var configuration = testConfiguration()
        configuration.port = port
        let server = PneumoServer(classifier: FakeClassifier(), configuration: configuration, logger: .discard)
        do {
            try await server.run(stopOnSignals: false) { _ in XCTFail("listening on a taken port") }
            XCTFail("the server started on a taken port")
        } catch let error as ServerStartError {
            let message = error.description
            XCTAssertTrue(message.contains("127.0.0.1:\(port)"), message)
            XCTAssertTrue(message.contains("already in use"), message)
            XCTAssertTrue(message.contains("--port"), message)
            XCTAssertTrue(message.contains("--host"), message)
            XCTAssertFalse(message.contains("bind("), "no raw system call text: \(message)")
        }
    }

    func testAddressNotOnThisMachineIsExplained() async throws {
        setenv("LOG_LEVEL", "critical", 0)
        var configuration = testConfiguration()
        configuration.host = "192.0.2.1"  // TEST-NET-1: never an address of this machine
        let server = PneumoServer(classifier: FakeClassifier(), configuration: configuration, logger: .discard)
        let started = LockedFlag()
        let running = Task { try await server.run(stopOnSignals: false) { _ in started.set() } }
        // Where the system binds foreign addresses (ip_nonlocal_bind) the server starts; stop it.
        let watchdog = Task {
            while !started.value { try await Task.sleep(for: .milliseconds(10)) }
            running.cancel()
        }
        defer { watchdog.cancel() }
        do {
            try await running.value
        } catch let error as ServerStartError {
            XCTAssertTrue(error.description.contains("not an address of this machine"), error.description)
            XCTAssertTrue(error.description.contains("--host"), error.description)
            return
        } catch {}
        if started.value { throw XCTSkip("this machine lets programs bind addresses it does not have") }
        XCTFail("no ServerStartError")
    }
}

private final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var value: Bool { lock.withLock { flag } }
    func set() { lock.withLock { flag = true } }
}
