import XCTest
@testable import PneumoServe
