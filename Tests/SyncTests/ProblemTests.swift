import ServerSupport
import Testing

/// The problem answer both the edge's local interface and the cloud's API give.
@Suite struct ProblemTests {
    @Test func everyStatusHasItsOwnTitle() {
        #expect(Problem(status: 404, detail: "x").title == "Not Found")
        #expect(Problem(status: 415, detail: "x").title == "Unsupported Media Type")
        #expect(Problem(status: 421, detail: "x").title == "Misdirected Request")
        // Not in the table: the status's reason phrase, never a bare "Error".
        #expect(Problem(status: 422, detail: "x").title != "Error")
        #expect(Problem(status: 418, detail: "x", title: "Teapot").title == "Teapot")
        #expect(Problem(status: 503, detail: "x", retryAfter: 10).retryAfter == 10)
    }
}
