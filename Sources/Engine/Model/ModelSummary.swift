import Foundation

/// A table like Keras' `model.summary()`: node, output shape, parameter count, and totals.
/// Nodes that do not simply read the node before them list their inputs.
extension Graph {
    public func summary(name: String = "model") throws -> String {
        let shapes = try outputShapes(batch: 1)
        var rows: [(String, String, String)] = [("Layer (type)", "Output shape", "Param #")]
        for (index, (node, shape)) in zip(nodes, shapes).enumerated() {
            let shown = "(None, " + shape.dropFirst().map(String.init).joined(separator: ", ") + ")"
            let previous = index == 0 ? Graph.inputName : nodes[index - 1].name
            let reads = node.inputs == [previous] ? "" : " <- " + node.inputs.joined(separator: ", ")
            rows.append(("\(node.name) \(node.op.kind)\(reads)", shown, grouped(node.op.parameterCount)))
        }
        let widths = (0..<3).map { column in
            rows.map { [$0.0, $0.1, $0.2][column].count }.max() ?? 0
        }
        func line(_ row: (String, String, String)) -> String {
            row.0.padding(toLength: widths[0] + 3, withPad: " ", startingAt: 0)
                + row.1.padding(toLength: widths[1] + 3, withPad: " ", startingAt: 0)
                + String(repeating: " ", count: widths[2] - row.2.count) + row.2
        }
        let total = widths[0] + widths[1] + widths[2] + 6
        var text = "Model: \"\(name)\"\n" + String(repeating: "─", count: total) + "\n"
        text += line(rows[0]) + "\n" + String(repeating: "═", count: total) + "\n"
        for row in rows.dropFirst() { text += line(row) + "\n" }
        text += String(repeating: "═", count: total) + "\n"
        let buffers = namedBuffers.reduce(0) { $0 + $1.tensor.count }
        text += "Total params: \(grouped(parameterCount + buffers))\n"
        text += "Trainable params: \(grouped(parameterCount))\n"
        text += "Non-trainable params: \(grouped(buffers))\n"
        return text
    }
}

/// 3304769 -> "3,304,769".
func grouped(_ value: Int) -> String {
    let digits = String(value)
    var out = ""
    for (offset, character) in digits.enumerated() {
        if offset > 0 && (digits.count - offset) % 3 == 0 { out += "," }
        out.append(character)
    }
    return out
}
