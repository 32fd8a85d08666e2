import CloudAPI
import CloudCore
import CloudIngest
import CloudStore
import CloudWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import MQTT
import Metrics
import SyncContract
import Testing

/// Sign-in, sessions, forms and live streams: what keeps one browser from acting for another; and the languages.
extension DashboardTests {
    @Test func formsWithoutTheSessionsTokenAreRefusedAndASignedOutCookieDoesNothing() async throws {
        let (app, _) = try await makeApp()
        try await app.test(.router) { client in
            let browser = try #require(try await Self.signIn(client, user: "operator"))
            var headers = browser.headers
            headers[.contentType] = "application/x-www-form-urlencoded"
            for form in ["action=softReset", "action=softReset&_csrf=not-the-token", "action=softReset&_csrf="] {
                try await client.execute(
                    uri: "/sites/s1/stations/CP1/actions", method: .post, headers: headers, body: ByteBuffer(string: form)
                ) { response in
                    #expect(response.status == .forbidden, "\(form)")
                }
            }
            var foreign = headers
            foreign[.origin] = "https://attacker.example"
            try await client.execute(
                uri: "/sites/s1/stations/CP1/actions", method: .post, headers: foreign,
                body: ByteBuffer(string: "action=softReset&_csrf=\(browser.csrf)")
            ) { response in
                #expect(response.status == .forbidden, "a form posted from another origin")
            }
            // The token in a header (as the page's script would send it) is as good as the form field.
            var scripted = headers
            scripted[HTTPField.Name(WebAuth.csrfHeader)!] = browser.csrf
            try await client.execute(
                uri: "/sites/s1/stations/CP1/actions", method: .post, headers: scripted,
                body: ByteBuffer(string: "action=softReset")
            ) { response in
                #expect(response.status == .conflict, "allowed through; no broker to send it")
            }
            try await client.execute(
                uri: "/logout", method: .post, headers: headers, body: ByteBuffer(string: "_csrf=\(browser.csrf)")
            ) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.setCookie]?.contains("Max-Age=0") == true)
            }
            // The old cookie and its old form token: signed out, nothing runs.
            try await client.execute(uri: "/", method: .get, headers: browser.headers) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location]?.hasPrefix("/login") == true)
            }
            try await client.execute(
                uri: "/sites/s1/stations/CP1/actions", method: .post, headers: headers,
                body: ByteBuffer(string: "action=softReset&_csrf=\(browser.csrf)")
            ) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/login")
            }
        }
    }

    @Test func theFleetsAdministratorsSeeAndRevokeAPITokensOnTheAccessPage() async throws {
        // Security review, finding 14.
        let (app, store) = try await makeApp()
        let (record, _) = APITokens.create(name: "erp-link", role: .viewer, at: Date(), expiresAt: Date() + 86_400)
        try await store.addAPIToken(record)
        try await app.test(.router) { client in
            let admin = try #require(try await Self.signIn(client, user: "admin"))
            try await client.execute(uri: "/access", method: .get, headers: admin.headers) { response in
                let html = String(buffer: response.body)
                #expect(html.contains(#"data-token="\#(record.id)""#) && html.contains("erp-link"))
                #expect(html.contains(#"action="/access/tokens/\#(record.id)/revoke""#))
            }
            var form = admin.headers
            form[.contentType] = "application/x-www-form-urlencoded"
            let operator_ = try #require(try await Self.signIn(client, user: "operator"))
            var operatorForm = operator_.headers
            operatorForm[.contentType] = "application/x-www-form-urlencoded"
            try await client.execute(
                uri: "/access/tokens/\(record.id)/revoke", method: .post, headers: operatorForm,
                body: ByteBuffer(string: "_csrf=\(operator_.csrf)")
            ) { #expect($0.status == .forbidden) }
            #expect(try await store.apiToken(id: record.id)?.revoked == false)
            try await client.execute(
                uri: "/access/tokens/\(record.id)/revoke", method: .post, headers: form,
                body: ByteBuffer(string: "_csrf=\(admin.csrf)")
            ) { #expect($0.status == .seeOther) }
            #expect(try await store.apiToken(id: record.id)?.revoked == true)
        }
    }

    @Test func oneClientAddressHasABoundedNumberOfSignInAttempts() async throws {
        // Security review, finding 8: every attempt costs a bcrypt; one client could keep the cores busy.
        let (app, _) = try await makeApp(signInsPerMinute: 3)
        try await app.test(.router) { client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<5 {
                try await client.execute(
                    uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: "user=nobody&password=wrong-guess-123")
                ) { statuses.append($0.status) }
            }
            #expect(statuses == [.seeOther, .seeOther, .seeOther, .tooManyRequests, .tooManyRequests])
        }
    }

    @Test func aLiveStreamEndsWhenItsSessionEnds() async throws {
        // Security review, finding 18: /live kept the scope it opened with, after sign-out, a new password, the
        // user's removal or a revoked grant.
        let (app, store) = try await makeApp(liveRecheck: .milliseconds(100))
        try await app.test(.router) { client in
            let viewer = try #require(try await Self.signIn(client, user: "viewer"))
            let ended = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    // The router's test client hands the answer over once its body has ended.
                    try await client.execute(uri: "/live", method: .get, headers: viewer.headers) { response in
                        #expect(response.status == .ok)
                        #expect(String(buffer: response.body).hasPrefix("retry: 2000"))
                    }
                    return true
                }
                group.addTask {
                    try await Task.sleep(for: .milliseconds(300))
                    #expect(try await store.deleteUser(id: "viewer"), "the user removed: their sessions end")
                    try await Task.sleep(for: .seconds(20))
                    return false
                }
                let first = try await group.next() ?? false
                group.cancelAll()
                return first
            }
            #expect(ended, "the stream ended with its session")
        }
    }

    @Test func aBrowserHoldsABoundedNumberOfLiveStreams() throws {
        let streams = LiveStreams()
        var held = try (0..<LiveStreams.perSession).map { _ in try streams.take(session: "a") }
        #expect(throws: LiveStreams.Refusal.self) { try streams.take(session: "a") }
        let other = try streams.take(session: "b")
        held.removeLast()
        #expect(streams.count == LiveStreams.perSession)
        _ = try streams.take(session: "a")
        _ = other
    }

    @Test func repeatedFailedSignInsLockTheUserAndUnknownUsersGetTheSameAnswer() async throws {
        let (app, store) = try await makeApp()
        try await app.test(.router) { client in
            for _ in 0..<WebAuth.maxFailures {
                let wrong = try await Self.signIn(client, user: "viewer", password: "wrong password")
                #expect(wrong == nil)
            }
            let lockedUntil = try await store.user(id: "viewer")?.lockedUntil
            #expect(lockedUntil ?? .distantPast > Date())
            let locked = try await Self.signIn(client, user: "viewer")
            #expect(locked == nil, "locked: even the right password is refused")
            let unknown = try await Self.signIn(client, user: "nobody")
            #expect(unknown == nil)
            // Another user is not affected.
            let other = try await Self.signIn(client, user: "operator")
            #expect(other != nil)
        }
        // The lock ends by itself; a success clears the count.
        let user = try #require(try await store.user(id: "viewer"))
        #expect(!WebAuth.isLocked(user, now: Date().addingTimeInterval(WebAuth.lockDuration + 1)))
        try await store.recordLogin(user: "viewer", succeeded: true, lockUntil: nil)
        #expect(try await store.user(id: "viewer")?.failedLogins == 0)
    }

    @Test func guessesSentAtOnceAreCountedBeforeTheyAreCheckedSoOnlyFiveAreTried() async throws {
        // Security review, finding 8: twenty wrong passwords sent at once all read the count before any was recorded,
        // so all twenty were checked, none locked the user, and the right one was then accepted.
        let (app, store) = try await makeApp()
        try await app.test(.router) { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let wrong = try await Self.signIn(client, user: "viewer", password: "wrong password")
                        #expect(wrong == nil)
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await store.user(id: "viewer")?.failedLogins == WebAuth.maxFailures, "only five were tried")
            let right = try await Self.signIn(client, user: "viewer")
            #expect(right == nil, "locked: the right password is refused too")
        }
    }

    @Test func namesFromTheStoreAreEscapedInEveryPage() async throws {
        let (app, store) = try await makeApp()
        try await store.updateSite(
            id: "s1", name: #"<script>alert("x")</script> & Co"#, address: "<b>", latitude: nil, longitude: nil, timeZone: nil)
        try await app.test(.router) { client in
            let browser = try #require(try await Self.signIn(client, user: "admin"))
            for path in ["/", "/sites/s1", "/sites/s1/stations/CP1"] {
                try await client.execute(uri: path, method: .get, headers: browser.headers) { response in
                    let html = String(buffer: response.body)
                    #expect(!html.contains("<script>alert") && !html.contains("<b>"), "\(path)")
                }
            }
            try await client.execute(uri: "/", method: .get, headers: browser.headers) { response in
                #expect(String(buffer: response.body).contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co"))
            }
        }
    }

    @Test func passwordsAreStoredAsBcryptAndChecked() async throws {
        let hash = try await Users.hashPassword("a long enough password", cost: 4)
        #expect(hash.hasPrefix("$2b$04$") && !hash.contains("a long enough password"))
        #expect(try await WebAuth.verifyPassword("a long enough password", hash: hash))
        #expect(try await !WebAuth.verifyPassword("a long enough passwore", hash: hash))
        #expect(Users.passwordProblem("short") != nil)
        #expect(Users.passwordProblem("long enough, surely") == nil)
    }

    @Test func everyStringIsTranslatedIntoEveryLanguage() {
        let english = Set(Catalog.strings(.en).keys)
        for language in Language.allCases {
            let strings = Catalog.strings(language)
            #expect(Set(strings.keys) == english, "\(language) has the same keys as English")
            #expect(strings.values.allSatisfy { !$0.isEmpty })
        }
        // Not English copied over: most strings differ.
        let german = Catalog.strings(.de)
        #expect(english.filter { german[$0] != Catalog.strings(.en)[$0] }.count > english.count * 3 / 4)
    }

    @Test func theLanguageFollowsAcceptLanguageWeights() {
        #expect(Language.negotiate(acceptLanguage: nil) == .en)
        #expect(Language.negotiate(acceptLanguage: "de-CH,de;q=0.9,en;q=0.8") == .de)
        #expect(Language.negotiate(acceptLanguage: "es-ES, fr;q=0.5, en;q=0.4") == .fr)
        #expect(Language.negotiate(acceptLanguage: "en;q=0.2, fr;q=0.9") == .fr)
        #expect(Language.negotiate(acceptLanguage: "ja, zh") == .en)
        #expect(Language.negotiate(acceptLanguage: "fr;q=0") == .en)
    }

    @Test func numbersAndUnitsAreWrittenTheReadersWay() {
        #expect(Formats(language: .en).power(7360) == "7.4 kW")
        #expect(Formats(language: .de).power(7360) == "7,4 kW")
        #expect(Formats(language: .fr).energy(12_346) == "12,35 kWh")
        #expect(Formats(language: .de).energy(nil) == "–")
        let date = Date(timeIntervalSince1970: 1_796_000_000)
        let utc = TimeZone(identifier: "UTC")!
        #expect(Formats(language: .de, timeZone: utc).dateTime(date) != Formats(language: .en, timeZone: utc).dateTime(date))
    }
}
