// The engine's seeded API (initializers, dropout, augmentation parameters) takes this
// generator, so its clients get the type with the engine.
@_exported import SeededRandom
