import Foundation
import XCTest
@testable import PneumoApp

final class TrainingHistoryTests: XCTestCase {
    let first = EpochRecord(
        epoch: 1, trainLoss: 0.5, trainAccuracy: 0.75, validationLoss: 0.25, validationAccuracy: 0.875,
        validationRecall: 0.9, validationAUC: 0.95, learningRate: 0.001, imagesPerSecond: 120.5, seconds: 42)
    let second = EpochRecord(epoch: 2, trainLoss: .nan, trainAccuracy: 0.5, learningRate: 1e-4, imagesPerSecond: 130, seconds: 40.25)

    func testCSVHasHeaderAndOneLinePerEpoch() throws {
        var history = TrainingHistory()
        try history.append(first)
        try history.append(second)
        XCTAssertEqual(history.csv, """
            epoch,train_loss,train_accuracy,val_loss,val_accuracy,val_recall,val_auc,learning_rate,images_per_second,seconds
            1,0.5,0.75,0.25,0.875,0.9,0.95,0.001,120.5,42.0
            2,nan,0.5,,,,,0.0001,130.0,40.25

            """)
    }

    func testJSONRoundTripKeepsNaNAsNull() throws {
        var history = TrainingHistory()
        try history.append(first)
        try history.append(second)
        let data = try history.json()
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.contains("\"train_loss\" : null"), text)
        XCTAssertTrue(text.contains("\"val_auc\" : 0.95"))
        let decoded = try JSONDecoder().decode(TrainingHistory.self, from: data)
        XCTAssertEqual(decoded.records[0], first)
        XCTAssertTrue(decoded.records[1].trainLoss.isNaN)
        XCTAssertNil(decoded.records[1].validationAUC)
    }

    func testEpochsMustIncrease() throws {
        var history = TrainingHistory(records: [first])
        assertThrows(HistoryError.self, { try history.append(self.first) }) {
            XCTAssertTrue($0.description.contains("epoch 1"))
        }
        try history.append(second)
        history.truncate(after: 1)
        XCTAssertEqual(history.records, [first])
    }

    func testWriteRewritesBothFilesAndReadsBack() throws {
        let directory = try temporaryDirectory(self)
        let csv = directory.appendingPathComponent("history.csv"), json = directory.appendingPathComponent("history.json")
        var history = TrainingHistory()
        try history.append(first)
        try history.write(csv: csv, json: json)
        XCTAssertEqual(try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").count, 2)
        try history.append(second)
        try history.write(csv: csv, json: json)
        XCTAssertEqual(try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").count, 3)
        let read = try TrainingHistory.read(json: json)
        XCTAssertEqual(read.records.count, 2)
        XCTAssertEqual(read.records[0], first)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(), ["history.csv", "history.json"])

        try Data(#"{"records":[{"epoch":2},{"epoch":1}]}"#.utf8).write(to: json)
        assertThrows(HistoryError.self, { _ = try TrainingHistory.read(json: json) })
        try Data("nonsense".utf8).write(to: json)
        assertThrows(HistoryError.self, { _ = try TrainingHistory.read(json: json) }) {
            XCTAssertTrue($0.description.contains("history.json"))
        }
    }
}

final class HistoryLogTests: XCTestCase {
    func record(_ epoch: Int) -> EpochRecord {
        EpochRecord(epoch: epoch, trainLoss: 1 / Double(epoch), trainAccuracy: 0.5, learningRate: 0.01, imagesPerSecond: 50, seconds: 3)
    }

    func testRecordsRewriteFilesAndResumeDropsLaterEpochs() throws {
        let directory = try temporaryDirectory(self)
        var log = HistoryLog(directory: directory)
        for epoch in 1...4 { try log.record(record(epoch)) }
        XCTAssertEqual(try TrainingHistory.read(json: log.jsonURL).records.map(\.epoch), [1, 2, 3, 4])
        XCTAssertEqual(try String(contentsOf: log.csvURL, encoding: .utf8).split(separator: "\n").count, 5)

        // A run resumed from the checkpoint of epoch 2 records epochs 3 and 4 again.
        var resumed = try HistoryLog(resumingIn: directory, after: 2)
        XCTAssertEqual(resumed.history.records.map(\.epoch), [1, 2])
        try resumed.record(record(3))
        XCTAssertEqual(try TrainingHistory.read(json: resumed.jsonURL).records.map(\.epoch), [1, 2, 3])
        assertThrows(HistoryError.self, { try resumed.record(self.record(3)) })
        XCTAssertEqual(resumed.history.records.count, 3, "a refused record leaves the log unchanged")

        let fresh = try HistoryLog(resumingIn: directory.appendingPathComponent("none"), after: 5)
        XCTAssertTrue(fresh.history.records.isEmpty)
    }
}
