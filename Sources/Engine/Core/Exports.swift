@_exported import OpenCLKit
