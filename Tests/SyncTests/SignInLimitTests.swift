import Testing

@testable import CloudWeb

/// Security review, finding 8, as a second reader found it: one IPv6 client has a whole /64 to take addresses from.
@Suite struct SignInLimitTests {
    @Test func attemptsCountAgainstAnIPv4AddressOrAnIPv6Slash64() {
        #expect(SignInLimit.key("192.0.2.7") == "192.0.2.7")
        #expect(SignInLimit.key("2001:db8:aa:bb:1:2:3:4") == "2001:db8:aa:bb::/64")
        #expect(SignInLimit.key("2001:DB8:AA:BB::ffff") == "2001:db8:aa:bb::/64")
        #expect(SignInLimit.key("::ffff:192.0.2.7") == "192.0.2.7")
        #expect(SignInLimit.key("::1") == "0:0:0:0::/64")
        #expect(SignInLimit.key("not an address") == "not an address")
    }

    @Test func addressesOfOneSlash64ShareTheirBudget() {
        let limit = SignInLimit(perMinute: 3, burst: 3)
        let now = ContinuousClock.now
        let allowed = (1...5).map { limit.allow("2001:db8:0:1::\($0)", now: now) }
        #expect(allowed == [true, true, true, false, false])
        #expect(limit.allow("2001:db8:0:2::1", now: now), "the next /64 is another client")
    }
}
