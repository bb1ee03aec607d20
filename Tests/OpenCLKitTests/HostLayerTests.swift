import COpenCL
import OpenCLKit
import XCTest

final class HostLayerTests: XCTestCase {
    static let vectorAdd = """
        __kernel void vector_add(__global const float *a, __global const float *b, __global float *out, const int n) {
            const int i = get_global_id(0);
            if (i < n) out[i] = a[i] + b[i];
        }
        """

    func cpuContext() throws -> ComputeContext {
        let choice = try DeviceSelector.choose(flag: "cpu")
        return try ComputeContext(device: choice.device, profiling: true)
    }

    func testEnumeratesAtLeastOneDeviceWithSaneFacts() throws {
        let devices = try Device.all()
        XCTAssertFalse(devices.isEmpty)
        for device in devices {
            XCTAssertFalse(device.name.isEmpty)
            XCTAssertGreaterThan(device.computeUnits, 0)
            XCTAssertGreaterThan(device.globalMemory, 0)
            XCTAssertGreaterThan(device.maxWorkGroupSize, 0)
            XCTAssertTrue(device.openCLCVersion.hasPrefix("OpenCL C"), device.openCLCVersion)
        }
    }

    func testDeviceRequestParsing() throws {
        XCTAssertEqual(try DeviceRequest(parsing: "gpu"), .kind(.gpu))
        XCTAssertEqual(try DeviceRequest(parsing: "CPU"), .kind(.cpu))
        XCTAssertEqual(try DeviceRequest(parsing: ""), .automatic)
        XCTAssertEqual(try DeviceRequest(parsing: "1:2"), .address(platform: 1, device: 2))
        XCTAssertThrowsError(try DeviceRequest(parsing: "tpu"))
        XCTAssertThrowsError(try DeviceRequest(parsing: "1:"))
    }

    func testSelectionPrefersFlagThenEnvironment() throws {
        let devices = try Device.all()
        let cpu = try XCTUnwrap(devices.first { $0.kind == .cpu })
        let byEnvironment = try DeviceSelector.choose(environment: ["PNEUMO_DEVICE": cpu.address], devices: devices)
        XCTAssertEqual(byEnvironment.device.address, cpu.address)
        XCTAssertTrue(byEnvironment.reason.contains("PNEUMO_DEVICE"))
        let byFlag = try DeviceSelector.choose(flag: "cpu", environment: ["PNEUMO_DEVICE": "9:9"], devices: devices)
        XCTAssertTrue(byFlag.reason.contains("--device"))
        XCTAssertThrowsError(try DeviceSelector.choose(flag: "9:9", devices: devices)) { error in
            XCTAssertTrue("\(error)".contains("no device 9:9"), "\(error)")
        }
    }

    func testRequireGPUFailsClearlyWithoutOne() throws {
        let devices = try Device.all().filter { $0.kind != .gpu }
        XCTAssertThrowsError(try DeviceSelector.choose(requireGPU: true, devices: devices)) { error in
            XCTAssertTrue("\(error)".contains("--require-gpu"), "\(error)")
        }
    }

    func testVectorAddRunsWithPaddedGlobalSizeAndIsProfiled() throws {
        let context = try cpuContext()
        let n = 1000  // not a multiple of the local size: the kernel's bounds check matters
        let a = (0..<n).map { Float($0) }
        let b = (0..<n).map { Float(2 * $0) }
        let bufferA = try DeviceBuffer(context, a)
        let bufferB = try DeviceBuffer(context, b)
        let out = try DeviceBuffer<Float>(context, count: n)
        let kernel = try context.program(source: Self.vectorAdd, label: "test.cl").kernel("vector_add")
        try context.launch(kernel, global: [n], local: [64], bufferA, bufferB, out, n)
        try context.finish()
        XCTAssertEqual(try out.read(), (0..<n).map { Float(3 * $0) })
        XCTAssertEqual(context.profiler?.entries["vector_add"]?.launches, 1)
    }

    func testBuildFailureCarriesErrorNameOptionsAndLog() throws {
        let context = try cpuContext()
        let broken = "__kernel void broken(__global float *x) { x[0] = undefined_name; }"
        XCTAssertThrowsError(try context.program(source: broken, label: "broken.cl", options: "-D WIDTH=3")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("CL_BUILD_PROGRAM_FAILURE"), text)
            XCTAssertTrue(text.contains("-D WIDTH=3"), text)
            XCTAssertTrue(text.contains("undefined_name"), text)
            XCTAssertTrue(text.contains("broken.cl"), text)
        }
    }

    func testProgramsAreCachedPerOptions() throws {
        let context = try cpuContext()
        let first = try context.program(source: Self.vectorAdd, label: "a", options: "-D X=1")
        let again = try context.program(source: Self.vectorAdd, label: "a", options: "-D X=1")
        let other = try context.program(source: Self.vectorAdd, label: "a", options: "-D X=2")
        XCTAssertTrue(first === again)
        XCTAssertFalse(first === other)
    }

    func testMissingKernelIsNamed() throws {
        let context = try cpuContext()
        let program = try context.program(source: Self.vectorAdd, label: "add.cl")
        XCTAssertThrowsError(try program.kernel("nope")) { error in
            XCTAssertEqual(error as? OpenCLError, .missingKernel("nope", source: "add.cl"))
        }
    }

    func testBuffersCheckBoundsAndAreReused() throws {
        let context = try cpuContext()
        let buffer = try DeviceBuffer<Float>(context, count: 16)
        XCTAssertThrowsError(try buffer.write([Float](repeating: 1, count: 17)))
        XCTAssertThrowsError(try buffer.read(offset: 10, count: 7))
        try buffer.fill(2.5)
        XCTAssertEqual(try buffer.read(), [Float](repeating: 2.5, count: 16))
        let before = context.allocatedBytes
        do { _ = try DeviceBuffer<Float>(context, count: 1024) }
        let afterFirst = context.allocatedBytes
        do { _ = try DeviceBuffer<Float>(context, count: 1024) }
        XCTAssertEqual(context.allocatedBytes, afterFirst, "a freed buffer of the same size is reused")
        XCTAssertEqual(afterFirst - before, 4096)
    }

    /// A context whose pool keeps idle allocations (`fast`), so its sizes can be followed.
    func keepIdleContext() throws -> ComputeContext {
        let context = try cpuContext()
        context.bufferPoolPolicy = .keepIdle
        return context
    }

    func testTheDefaultPolicyPlansRepeatedWork() throws {
        XCTAssertEqual(try cpuContext().bufferPoolPolicy, .planned)
    }

    func testFreedBuffersServeSmallerRequestsUpToTwiceTheirSize() throws {
        let context = try keepIdleContext()
        let start = context.allocatedBytes
        do { _ = try DeviceBuffer<Float>(context, count: 1000) }
        XCTAssertEqual(context.allocatedBytes - start, 4000)
        do {
            let smaller = try DeviceBuffer<Float>(context, count: 600)
            XCTAssertEqual(context.allocatedBytes - start, 4000, "the idle 4000-byte allocation holds 2400 bytes")
            try smaller.fill(1.5)
            XCTAssertEqual(try smaller.read(), [Float](repeating: 1.5, count: 600))
        }
        // Freed again as the 4000-byte allocation it is, so a full-size request still fits it.
        do { _ = try DeviceBuffer<Float>(context, count: 1000) }
        XCTAssertEqual(context.allocatedBytes - start, 4000)
        do { _ = try DeviceBuffer<Float>(context, count: 400) }
        // Not handed out: a new 1600-byte allocation joins it (this policy keeps idle ones).
        XCTAssertEqual(context.allocatedBytes - start, 4000 + 1600, "more than twice the request is not handed out")
        do {
            let both = try (DeviceBuffer<Float>(context, count: 700), DeviceBuffer<Float>(context, count: 700))
            XCTAssertEqual(both.0.count + both.1.count, 1400)
            XCTAssertEqual(context.allocatedBytes - start, 4000 + 1600 + 2800, "one takes the idle 4000 bytes, the 1600 hold neither")
        }
    }

    func testTheFastPolicyKeepsIdleAllocationsBesideNewOnes() throws {
        let context = try keepIdleContext()
        do { _ = try DeviceBuffer<Float>(context, count: 3000) }
        do {
            let small = try DeviceBuffer<Float>(context, count: 499)
            XCTAssertEqual(context.allocatedBytes, 12000 + 1996, "the idle 12000 bytes stay for a later request of their size")
            XCTAssertEqual(context.liveBytes, 1996)
            XCTAssertEqual(small.count, 499)
        }
        do { _ = try DeviceBuffer<Float>(context, count: 3000) }
        XCTAssertEqual(context.allocatedBytes, 12000 + 1996, "reused, not allocated again")
    }

    func testLeanPoolReleasesIdleAllocationsInsteadOfRaisingTheHighWaterMark() throws {
        let context = try cpuContext()
        context.bufferPoolPolicy = .lean
        XCTAssertEqual(context.allocatedBytes, 0)
        do {
            let both = try (DeviceBuffer<Float>(context, count: 1000), DeviceBuffer<Float>(context, count: 3000))
            XCTAssertEqual(both.0.count + both.1.count, 4000)
        }
        XCTAssertEqual(context.allocatedBytes, 16000, "both freed buffers stay pooled")
        XCTAssertEqual(context.liveBytes, 0)
        XCTAssertEqual(context.peakLiveBytes, 16000)
        do {
            // 1996 bytes fit neither idle allocation (4000 is over twice the request): the largest
            // idle one goes back to the driver, so the pool stays under its high-water mark.
            let small = try DeviceBuffer<Float>(context, count: 499)
            XCTAssertEqual(context.allocatedBytes, 4000 + 1996)
            XCTAssertEqual(context.liveBytes, 1996)
            XCTAssertEqual(context.peakAllocatedBytes, 16000)
            do { _ = try DeviceBuffer<Float>(context, count: 1000) }
            XCTAssertEqual(context.allocatedBytes, 5996, "the idle 4000-byte allocation is still there to be reused")
            // Above the mark, every idle allocation goes first: the new mark is what buffers in use hold.
            let large = try DeviceBuffer<Float>(context, count: 5000)
            XCTAssertEqual(context.allocatedBytes, 1996 + 20000)
            XCTAssertEqual(context.peakAllocatedBytes, 21996)
            XCTAssertEqual(context.peakLiveBytes, 21996)
            XCTAssertEqual(small.count + large.count, 5499)
        }
        XCTAssertEqual(context.liveBytes, 0)
        context.resetPeakBytes()
        XCTAssertEqual(context.peakLiveBytes, 0, "the peaks start again from what is held now")
        XCTAssertEqual(context.peakAllocatedBytes, 21996, "idle pooled allocations still count")
    }

    func testOversizedAllocationNamesSizeAndLimits() throws {
        let context = try cpuContext()
        let tooMany = context.device.maxAllocation / 4 + 1024
        XCTAssertThrowsError(try DeviceBuffer<Float>(context, count: tooMany)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("could not allocate"), text)
            XCTAssertTrue(text.contains("per buffer"), text)
        }
    }

    func testSHA256KnownVectors() {
        XCTAssertEqual(SHA256.hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex(String(repeating: "a", count: 1000)).count, 64)
    }
}
