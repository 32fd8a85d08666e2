import Crypto
import Foundation
import HummingbirdBcrypt
import Synchronization

/// Checks stations' Basic auth passwords against their bcrypt hashes, so that a flood of wrong guesses cannot hold up
/// the real chargers (security review, finding 23): bcrypt runs on one serial queue, at most `maxWaiting` checks wait
/// for it (past that an attempt is refused at once, as busy, and the charger tries again), and a password that
/// verified is remembered for `remembered` (by a digest, never in clear), so a charger reconnecting after a power
/// cut is admitted without waiting behind the guesses.
final class Credentials: Sendable {
    enum Verdict: Equatable {
        case valid, invalid, busy
    }

    static let maxWaiting = 16
    static let remembered: Duration = .seconds(600)
    static let maxRemembered = 4096

    private let waiting = Atomic<Int>(0)
    private let verified = Mutex<[SHA256Digest: ContinuousClock.Instant]>([:])
    private let queue = DispatchQueue(label: "gridside.bcrypt")

    /// Whether `password` is the one `hash` was made of (bcrypt, on the caller's thread: for rare checks only).
    static func matches(_ password: String, hash: String) -> Bool { Bcrypt.verify(password, hash: hash) }

    func check(station: String, password: String, hash: String) async -> Verdict {
        let key = SHA256.hash(data: Data("\(station)\u{0}\(hash)\u{0}\(password)".utf8))
        let now = ContinuousClock.now
        if let until = verified.withLock({ $0[key] }), until > now { return .valid }
        guard waiting.add(1, ordering: .relaxed).newValue <= Self.maxWaiting else {
            waiting.subtract(1, ordering: .relaxed)
            return .busy
        }
        let valid = await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: Bcrypt.verify(password, hash: hash)) }
        }
        waiting.subtract(1, ordering: .relaxed)
        guard valid else { return .invalid }
        verified.withLock { verified in
            if verified.count >= Self.maxRemembered { verified = verified.filter { $0.value > now } }
            if verified.count < Self.maxRemembered { verified[key] = now + Self.remembered }
        }
        return .valid
    }
}
