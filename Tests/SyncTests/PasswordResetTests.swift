import CloudCore
import CloudStore
import Foundation
import ServerSupport
import Testing

/// Password-reset links over a real store: asked for by login or address (never telling whether a user exists), used
/// once, within the hour, the new password checked before the link is spent, the user's browsers signed out.
@Suite struct PasswordResetTests {
    let directory = TemporaryDirectory()
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000)

    @Test func aMailedLinkSetsANewPasswordOnceWithinTheHour() async throws {
        let store = try SQLiteRepository(path: directory.file("cloud.sqlite"))
        let hash = try await Users.hashPassword("old-password-1", cost: 4)
        try await store.addUser(
            UserRecord(
                id: "vera", name: "Vera", passwordHash: hash, role: "viewer", email: "vera@example.com", createdAt: Self.t0))
        try await store.addUser(UserRecord(id: "nomail", name: "No mail", passwordHash: hash, role: "viewer", createdAt: Self.t0))
        #expect(try await PasswordResets.request(login: "nobody", repository: store, now: Self.t0) == nil)
        #expect(try await PasswordResets.request(login: "nomail", repository: store, now: Self.t0) == nil, "no address")
        let byAddress = try #require(try await PasswordResets.request(login: "VERA@example.com", repository: store, now: Self.t0))
        #expect(byAddress.user.id == "vera" && byAddress.token.count == 64)
        #expect(
            try await PasswordResets.request(login: "vera", repository: store, now: Self.t0 + 60) == nil, "five minutes apart")
        let link = try #require(try await PasswordResets.request(login: "vera", repository: store, now: Self.t0 + 301))
        // The earlier link is spent by asking again.
        await #expect(throws: Problem.self) {
            try await PasswordResets.complete(
                token: byAddress.token, password: "new-password-1", repeated: "new-password-1", repository: store,
                now: Self.t0, cost: 4)
        }
        for (password, repeated, field) in [("short", "short", "password"), ("new-password-1", "new-password-2", "password")] {
            do {
                _ = try await PasswordResets.complete(
                    token: link.token, password: password, repeated: repeated, repository: store, now: Self.t0, cost: 4)
                Issue.record("accepted \(password)")
            } catch let problem as Problem {
                #expect(problem.status == 400 && problem.detail.hasPrefix(field))
            }
        }
        try await store.addWebSession(
            WebSessionRecord(idHash: "s", user: "vera", csrf: "c", createdAt: Self.t0, expiresAt: Self.t0 + 3600))
        let user = try await PasswordResets.complete(
            token: link.token, password: "new-password-1", repeated: "new-password-1", repository: store, now: Self.t0 + 360,
            cost: 4)
        #expect(user == "vera")
        #expect(try await store.webSession(idHash: "s") == nil, "signed out everywhere")
        let changed = try #require(try await store.user(id: "vera"))
        #expect(changed.passwordHash != hash)
        await #expect(throws: Problem.self, "used once") {
            try await PasswordResets.complete(
                token: link.token, password: "new-password-2", repeated: "new-password-2", repository: store,
                now: Self.t0 + 420, cost: 4)
        }
        let late = try #require(try await PasswordResets.request(login: "vera", repository: store, now: Self.t0 + 1000))
        await #expect(throws: Problem.self, "older than an hour") {
            try await PasswordResets.complete(
                token: late.token, password: "new-password-3", repeated: "new-password-3", repository: store,
                now: Self.t0 + 1000 + 3601, cost: 4)
        }
        // A new address spends a link mailed to the old one.
        let mailed = try #require(try await PasswordResets.request(login: "vera", repository: store, now: Self.t0 + 2000))
        var moved = try #require(try await store.user(id: "vera"))
        moved.email = "vera@elsewhere.example"
        try await store.updateUser(moved, endSessions: false)
        await #expect(throws: Problem.self, "the address changed") {
            try await PasswordResets.complete(
                token: mailed.token, password: "new-password-4", repeated: "new-password-4", repository: store,
                now: Self.t0 + 2010, cost: 4)
        }
    }
}
