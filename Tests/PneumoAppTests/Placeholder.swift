import XCTest
@testable import PneumoApp
