public import GRDB

/// Many writes committed in one SQLite transaction, with one write's failure undoing only that write: the batch
/// commit both sides use (the edge's group commit of every charger's messages, the cloud's ingest of a batch of
/// envelopes).
///
/// The batch first runs in one transaction with no savepoints (a savepoint per write costs two statements each). If a
/// write fails with an error that `isolating` attributes to the write itself (a constraint it breaks, a value the
/// store refuses), that transaction is rolled back and the batch runs again with each write in a savepoint of its
/// own, where a failing write is rolled back alone and its error handed to the caller. Any other error (a busy, full
/// or failing database) fails the whole batch. Writes must be safe to run twice: they are closures over the database
/// only.
public enum BatchTransaction {
    /// Runs `body` once (or twice, see above) in a write transaction of `writer`; `body` runs each of its writes
    /// through ``Writes/run(_:_:)``.
    public static func write<T: Sendable>(
        to writer: any DatabaseWriter, isolating: @escaping @Sendable (any Error) -> Bool = { _ in true },
        _ body: @escaping @Sendable (Database, Writes) throws -> T
    ) async throws -> T {
        do {
            return try await writer.write { db in try body(db, Writes(inSavepoints: false, isolating: isolating)) }
        } catch is RedoIsolated {
            return try await writer.write { db in try body(db, Writes(inSavepoints: true, isolating: isolating)) }
        }
    }

    /// How the writes of this pass run: straight in the batch's transaction, or each in a savepoint of its own.
    public struct Writes: Sendable {
        public let inSavepoints: Bool
        @usableFromInline let isolating: @Sendable (any Error) -> Bool

        @usableFromInline init(inSavepoints: Bool, isolating: @escaping @Sendable (any Error) -> Bool) {
            self.inSavepoints = inSavepoints
            self.isolating = isolating
        }

        /// Runs one write. Its own failure is returned when it ran in a savepoint (and was rolled back alone); in the
        /// first pass it ends the pass, to be run again isolated.
        @inlinable
        public func run<R>(_ db: Database, _ write: () throws -> R) throws -> Result<R, any Error> {
            guard inSavepoints else {
                do {
                    return .success(try write())
                } catch  where isolating(error) {
                    throw RedoIsolated()
                }
            }
            var outcome: Result<R, any Error>?
            do {
                try db.inSavepoint {
                    outcome = .success(try write())
                    return .commit
                }
            } catch  where isolating(error) {
                return .failure(error)
            }
            guard let outcome else { throw RedoIsolated() }  // unreachable: a committed savepoint set it
            return outcome
        }
    }

    /// A write of the first pass failed on its own account: the pass is rolled back and run again isolated.
    @usableFromInline struct RedoIsolated: Error {
        @usableFromInline init() {}
    }
}
