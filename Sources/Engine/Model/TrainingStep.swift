extension Sequential {
    /// One step of gradient descent on a batch: forward in training mode, loss, backward,
    /// optimizer update. Returns the batch loss as a one-element tensor that stays on the
    /// device until the caller wants it.
    @discardableResult
    public func trainStep(input: Tensor, targets: Tensor, loss: Loss, optimizer: Optimizer) throws -> Tensor {
        let output = try forward(input, mode: .training)
        let value = try loss.forward(logits: output, targets: targets)
        try backwardToParameters(try loss.backward())
        try optimizer.step(parameters)
        return value
    }
}
