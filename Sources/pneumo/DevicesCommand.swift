import ArgumentParser
import Engine
import Foundation
import OpenCLKit

/// `pneumo devices`: every OpenCL platform and device, and optionally a kernel run on each.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices", abstract: "List OpenCL devices (the addresses --device takes).")

    @Flag(name: .long, help: "Build and run a small kernel on each device.")
    var check = false

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let devices = try Device.all()
        if devices.isEmpty {
            throw ValidationError(
                "no OpenCL device found: install pocl-opencl-icd for the CPU, or your GPU vendor's OpenCL driver")
        }
        var results: [String: String] = [:]
        if check {
            for device in devices { results[device.address] = Self.smokeTest(device) }
        }
        if json {
            let rows = devices.map { device -> [String: String] in
                var row = [
                    "address": device.address, "platform": device.platform.name, "name": device.name,
                    "type": device.kind.rawValue, "compute_units": String(device.computeUnits),
                    "global_memory_bytes": String(device.globalMemory), "local_memory_bytes": String(device.localMemory),
                    "max_work_group_size": String(device.maxWorkGroupSize), "opencl_c": device.openCLCVersion,
                    "driver": device.driverVersion,
                ]
                if let result = results[device.address] { row["check"] = result }
                return row
            }
            let data = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        var table = [["P:D", "platform", "name", "type", "CUs", "global mem", "local mem", "max WG", "OpenCL C", "driver"]]
        if check { table[0].append("check") }
        for device in devices {
            var row = [
                device.address, device.platform.name, device.name, device.kind.rawValue, String(device.computeUnits),
                formatBytes(device.globalMemory), formatBytes(device.localMemory), String(device.maxWorkGroupSize),
                device.openCLCVersion.replacingOccurrences(of: "OpenCL C ", with: ""), device.driverVersion,
            ]
            if check { row.append(results[device.address] ?? "") }
            table.append(row)
        }
        print(TextTable.render(table))
    }

    /// Adds two vectors on the device and compares with the host; "ok" or the error.
    static func smokeTest(_ device: Device) -> String {
        do {
            return try EngineRuntime.smokeTest(device) ? "ok" : "WRONG RESULTS"
        } catch {
            return "failed: \(error)"
        }
    }
}

/// Left-aligned columns separated by two spaces.
enum TextTable {
    static func render(_ rows: [[String]]) -> String {
        guard let columns = rows.map(\.count).max() else { return "" }
        let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
