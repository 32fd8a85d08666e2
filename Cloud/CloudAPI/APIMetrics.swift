public import CoreMetrics

/// The API's metrics: errors by status.
public final class APIMetrics: Sendable {
    private let factory: any MetricsFactory

    public init(factory: any MetricsFactory) { self.factory = factory }

    func error(status: Int) {
        Counter(label: "api_errors_total", dimensions: [("status", "\(status)")], factory: factory).increment()
    }
}
