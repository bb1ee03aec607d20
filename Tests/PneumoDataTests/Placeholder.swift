import XCTest
@testable import PneumoData
