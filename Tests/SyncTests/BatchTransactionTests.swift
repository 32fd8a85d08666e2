import BatchTransaction
import GRDB
import Synchronization
import Testing

/// The batch commit both sides use: one failing write undoes only itself.
@Suite struct BatchTransactionTests {
    let directory = TemporaryDirectory()

    func database() throws -> DatabaseQueue {
        let queue = try DatabaseQueue(path: directory.file("batch.sqlite"))
        try queue.write { try $0.execute(sql: "CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)") }
        return queue
    }

    @Test func aWriteThatFailsIsUndoneAloneAndTheOthersCommit() async throws {
        let queue = try database()
        let names = ["a", "b", "a", "c"]  // the second "a" breaks the UNIQUE constraint
        let passes = ManagedCounter()
        let results = try await BatchTransaction.write(to: queue) { db, writes in
            passes.increment(isolated: writes.inSavepoints)
            return try names.map { name in
                try writes.run(db) { try db.execute(sql: "INSERT INTO item (name) VALUES (?)", arguments: [name]) }
                    .map { name }
            }
        }
        #expect(results.map { (try? $0.get()) != nil } == [true, true, false, true])
        #expect(try await queue.read { try String.fetchAll($0, sql: "SELECT name FROM item ORDER BY id") } == ["a", "b", "c"])
        #expect(passes.value == (plain: 1, isolated: 1), "rolled back once, then each write in a savepoint")
    }

    @Test func aFailureTheWriteDidNotCauseFailsTheWholeBatch() async throws {
        let queue = try database()
        struct DiskFull: Error {}
        await #expect(throws: DiskFull.self) {
            try await BatchTransaction.write(to: queue, isolating: { !($0 is DiskFull) }) { db, writes in
                _ = try writes.run(db) { try db.execute(sql: "INSERT INTO item (name) VALUES ('a')") }
                _ = try writes.run(db) { throw DiskFull() }
            }
        }
        #expect(try await queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM item") } == 0, "nothing committed")
    }
}

/// Counts the passes of a batch, from inside its transaction.
final class ManagedCounter: Sendable {
    private let counts = Mutex((plain: 0, isolated: 0))
    func increment(isolated: Bool) {
        counts.withLock { isolated ? ($0.isolated += 1) : ($0.plain += 1) }
    }
    var value: (plain: Int, isolated: Int) { counts.withLock { $0 } }
}
