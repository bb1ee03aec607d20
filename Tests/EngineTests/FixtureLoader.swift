import Foundation

/// A JSON value of a fixture's `config` object.
enum JSONValue: Decodable, Equatable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case array([JSONValue])
    case object([String: JSONValue])
    case null

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    var double: Double? { if case .number(let value) = self { return value } else { return nil } }
    var int: Int? { double.flatMap { $0.rounded() == $0 ? Int(exactly: $0) : nil } }
    var string: String? { if case .string(let value) = self { return value } else { return nil } }
    var bool: Bool? { if case .bool(let value) = self { return value } else { return nil } }
    var array: [JSONValue]? { if case .array(let value) = self { return value } else { return nil } }
}

/// Why a fixture could not be read or lacks what a test asked for.
enum FixtureError: Error, CustomStringConvertible {
    case directoryMissing
    case unreadable(file: String, underlying: Error)
    case missingTensor(fixture: String, tensor: String, available: [String])
    case missingConfig(fixture: String, key: String, expected: String)

    var description: String {
        switch self {
        case .directoryMissing:
            return "the Fixtures resource folder is not in the test bundle; check `resources: [.copy(\"Fixtures\")]` in Package.swift"
        case .unreadable(let file, let underlying):
            return "fixture \(file) cannot be read: \(underlying); regenerate it with Scripts/make_fixtures.py"
        case .missingTensor(let fixture, let tensor, let available):
            return "fixture \(fixture) has no tensor '\(tensor)'; it has \(available.sorted().joined(separator: ", "))"
        case .missingConfig(let fixture, let key, let expected):
            return "fixture \(fixture) has no config '\(key)' of type \(expected)"
        }
    }
}

/// One reference case written by Scripts/make_fixtures.py (float32, row-major, NCHW).
struct Fixture: Decodable {
    /// A stored tensor: its shape and row-major values.
    struct StoredTensor: Decodable {
        let shape: [Int]
        let data: [Float]
    }

    /// The file name without `.json`; set by the loader.
    var name: String = ""
    let op: String
    let config: [String: JSONValue]
    let tensors: [String: StoredTensor]

    private enum CodingKeys: String, CodingKey { case op, config, tensors }

    /// The named tensor, or an error that lists the tensors this fixture has.
    func tensor(_ tensorName: String) throws -> (shape: [Int], data: [Float]) {
        guard let stored = tensors[tensorName] else {
            throw FixtureError.missingTensor(fixture: name, tensor: tensorName, available: Array(tensors.keys))
        }
        return (stored.shape, stored.data)
    }

    /// An integer config entry.
    func int(_ key: String) throws -> Int {
        guard let value = config[key]?.int else { throw FixtureError.missingConfig(fixture: name, key: key, expected: "Int") }
        return value
    }

    /// A numeric config entry.
    func double(_ key: String) throws -> Double {
        guard let value = config[key]?.double else { throw FixtureError.missingConfig(fixture: name, key: key, expected: "Double") }
        return value
    }

    /// A list of integers in the config, such as conv `pad` [top, bottom, left, right].
    func ints(_ key: String) throws -> [Int] {
        guard let values = config[key]?.array?.compactMap(\.int), values.count == config[key]?.array?.count else {
            throw FixtureError.missingConfig(fixture: name, key: key, expected: "[Int]")
        }
        return values
    }
}

/// Finds and decodes the fixtures bundled with the engine tests.
enum Fixtures {
    /// The bundled Fixtures folder.
    static func directory() throws -> URL {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw FixtureError.directoryMissing
        }
        return url
    }

    /// Names (without `.json`) of every bundled fixture, sorted.
    static func names() throws -> [String] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory().path)
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(".json".count)) }.sorted()
    }

    /// The fixture in `<name>.json`.
    static func load(_ name: String) throws -> Fixture {
        let url = try directory().appendingPathComponent(name + ".json")
        do {
            var fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
            fixture.name = name
            return fixture
        } catch {
            throw FixtureError.unreadable(file: name + ".json", underlying: error)
        }
    }

    /// Every bundled fixture whose `op` matches, sorted by name.
    static func all(op: String? = nil) throws -> [Fixture] {
        try names().map(load).filter { op == nil || $0.op == op }
    }
}
