import ArgumentParser
import CloudReports
import CloudStore
import Foundation

extension CloudBench {
    /// Times the reports over a populated store: the monthly energy report of the whole store (every site, a row per
    /// site and month) and the CSV export of every session, with the process's peak memory.
    struct ReportRun: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reports", abstract: "Time the monthly energy report and the CSV export of every session.")

        @Option(help: "The SQLite file (filled by populate).") var store: String
        @Option(help: "Report runs; the median is reported.") var rounds = 5

        func run() async throws {
            let berlin = TimeZone(identifier: "Europe/Berlin")!
            let opening = ContinuousClock.now
            // Populated on UTC's clock: opening on Berlin's rebuilds the day sums, as a changed setting would.
            let repository = try SQLiteRepository(path: store, reportClock: berlin)
            print("store opened, day sums on Europe/Berlin's clock in \(Self.milliseconds(ContinuousClock.now - opening)) ms")
            let reports = Reports(repository: repository)
            let now = Date()
            let request = ReportRequest(
                from: now - 400 * 86_400, to: now + 86_400, groupBy: .site, period: .month,
                timeZone: berlin)
            let clock = ContinuousClock()
            var times: [Duration] = []
            var report: Report?
            for _ in 0..<rounds {
                let started = clock.now
                report = try await reports.report(request, scope: nil)
                times.append(clock.now - started)
            }
            times.sort()
            let totals = report?.totals
            print(
                "monthly energy report: \(totals?.sessions ?? 0) sessions, \(report?.rows.count ?? 0) rows (site × month): "
                    + "median \(Self.milliseconds(times[times.count / 2])) ms (min \(Self.milliseconds(times[0])), max \(Self.milliseconds(times[times.count - 1])))"
            )
            // One month's report (a monthly statement's question) over the same store.
            var month = request
            month.to = now - 30 * 86_400
            month.from = month.to - 30 * 86_400
            var monthTimes: [Duration] = []
            var monthSessions = 0
            for _ in 0..<rounds {
                let started = clock.now
                monthSessions = try await reports.report(month, scope: nil).totals.sessions
                monthTimes.append(clock.now - started)
            }
            monthTimes.sort()
            print(
                "one month's energy report by site: \(monthSessions) sessions: median \(Self.milliseconds(monthTimes[monthTimes.count / 2])) ms"
            )
            let before = Self.peakKiB()
            let export = SessionExport(
                repository: repository, filter: try await reports.filter(request, scope: nil), timeZone: request.timeZone)
            let output = FileHandle(forWritingAtPath: "/dev/null")!
            var bytes = 0
            let started = clock.now
            let rows = try await export.csv { chunk in
                bytes += chunk.utf8.count
                output.write(Data(chunk.utf8))
            }
            let elapsed = clock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print(
                "CSV export: \(rows) sessions, \(bytes / 1_048_576) MiB in \(String(format: "%.2f", seconds)) s: "
                    + "\(Int(Double(rows) / seconds)) rows/s; peak RSS \(before / 1024) MiB before, \(Self.peakKiB() / 1024) MiB after"
            )
        }

        static func milliseconds(_ duration: Duration) -> String {
            String(
                format: "%.0f",
                Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15)
        }

        /// The process's peak resident memory (VmHWM), KiB.
        static func peakKiB() -> Int {
            let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
            return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
    }
}
