public import Foundation
import GRDB
public import SyncContract

/// What the edge knows of a command from the cloud when it arrives.
public enum CommandClaim: Sendable, Equatable {
    /// Not seen before: it is now this edge's to carry out.
    case new
    /// Seen, and still being carried out.
    case inProgress
    /// Seen and done: its result.
    case done(CommandResult)
}

extension EdgeStore {
    /// Takes a command from the cloud, unless it was taken before (the broker delivers a QoS 1 message again when
    /// its PUBACK was lost): a command is carried out at most once, and a repeat is answered with the stored result.
    public func claimCommand(_ command: CommandRequest) async throws -> CommandClaim {
        let id = command.id
        let stored: (inserted: Bool, result: String?) = try await write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO command_seen (id, station, action, expires) VALUES (?, ?, ?, ?)",
                arguments: [id, command.station, command.action, command.expires.stored])
            if db.changesCount > 0 { return (true, nil) }
            return (false, try String.fetchOne(db, sql: "SELECT result FROM command_seen WHERE id = ?", arguments: [id]))
        }
        if stored.inserted { return .new }
        guard let text = stored.result else { return .inProgress }
        return .done(try SyncJSON.decoder().decode(CommandResult.self, from: Data(text.utf8)))
    }

    /// Keeps a command's result with the command and puts it in the outbox, in one transaction.
    public func finishCommand(_ result: CommandResult, at time: Date) async throws {
        let text = String(decoding: try SyncJSON.encoder().encode(result), as: UTF8.self)
        try await write { db in
            try db.execute(sql: "UPDATE command_seen SET result = ? WHERE id = ?", arguments: [text, result.id])
            try self.enqueue(db, .commandResult(result), at: time)
        }
    }

    /// Commands taken but not finished when the edge stopped (it crashed, or lost power, while carrying them out):
    /// each gets a result saying so, kept and put in the outbox, so the cloud hears of it and a repeat is answered.
    @discardableResult
    public func finishInterruptedCommands(at time: Date) async throws -> Int {
        try await write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT id, station, action FROM command_seen WHERE result IS NULL")
            for row in rows {
                let result = CommandResult(
                    id: row["id"], station: row["station"], action: row["action"], outcome: .failed,
                    error: "the edge stopped while carrying it out; it may or may not have reached the station")
                let text = String(decoding: try SyncJSON.encoder().encode(result), as: UTF8.self)
                try db.execute(sql: "UPDATE command_seen SET result = ? WHERE id = ?", arguments: [text, result.id])
                try self.enqueue(db, .commandResult(result), at: time)
            }
            return rows.count
        }
    }

    /// Forgets commands whose deadline passed before `time` (the broker does not deliver those again after a day).
    @discardableResult
    public func forgetCommands(expiredBefore time: Date) async throws -> Int {
        try await write { db in
            try db.execute(sql: "DELETE FROM command_seen WHERE expires < ?", arguments: [time.stored])
            return db.changesCount
        }
    }
}
