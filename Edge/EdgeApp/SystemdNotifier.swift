import CentralSystem
import EdgeStore
import Foundation
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// Tells systemd how the edge is doing (`sd_notify`): READY=1 once both servers listen, and, when the unit has a
/// `WatchdogSec`, WATCHDOG=1 at half that interval for as long as the edge's store takes writes, so a hung edge (it
/// controls a fuse) is restarted rather than left hanging (security review, finding 22). Without `NOTIFY_SOCKET`
/// (not started by systemd, or `Type=simple`) it does nothing.
struct SystemdNotifier: Sendable {
    let socketPath: String
    /// Half of `WatchdogSec`, when the unit has one for this process.
    let watchdogEvery: Duration?

    init?(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard let path = environment["NOTIFY_SOCKET"], !path.isEmpty else { return nil }
        socketPath = path
        let forUs = environment["WATCHDOG_PID"].map { $0 == "\(getpid())" } ?? true
        watchdogEvery =
            forUs ? environment["WATCHDOG_USEC"].flatMap(Int64.init).map { Duration.microseconds(max(1, $0 / 2)) } : nil
    }

    /// Sends one state line (`READY=1`, `WATCHDOG=1`, `STOPPING=1`) to systemd's datagram socket.
    func notify(_ state: String) {
        #if canImport(Glibc)
            let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { return }
            defer { close(fd) }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            // "@name" is an abstract socket: its address starts with a zero byte.
            var path = Array(socketPath.utf8)
            if path.first == UInt8(ascii: "@") { path[0] = 0 }
            let capacity = MemoryLayout.size(ofValue: address.sun_path)
            guard path.count < capacity else { return }
            withUnsafeMutableBytes(of: &address.sun_path) { bytes in
                for (index, byte) in path.enumerated() { bytes[index] = byte }
            }
            let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count + (path.first == 0 ? 0 : 1))
            _ = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    state.withCString { text in sendto(fd, text, strlen(text), 0, socketAddress, length) }
                }
            }
        #endif
    }
}

/// Feeds systemd's watchdog while the store answers; a service of the edge's group.
struct SystemdWatchdog: Service {
    let notifier: SystemdNotifier
    let every: Duration
    let central: CentralSystem

    func run() async throws {
        while !Task.isCancelled {
            // Fed after a write through the group commit: a store whose writer or disk hangs stops the feeding, and
            // systemd restarts the edge (a read alone would still answer from the WAL).
            if (try? await central.store.write { _ in () }) != nil { notifier.notify("WATCHDOG=1") }
            try? await Task.sleep(for: every)
            if Task.isCancelled || Task.isShuttingDownGracefully { break }
        }
        notifier.notify("STOPPING=1")
    }
}
