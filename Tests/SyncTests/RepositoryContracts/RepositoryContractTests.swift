import CloudStore
import Testing

/// The repository contracts (``RepositoryContracts``) run against each implementation, each check on a fresh store.
@Suite struct RepositoryContractTests {
    let directory = TemporaryDirectory()

    func sqlite() throws -> SQLiteRepository { try SQLiteRepository(path: directory.file("contract.sqlite")) }

    @Test func sqliteKeepsSites() async throws { try await RepositoryContracts.sites(try sqlite()) }
    @Test func sqliteKeepsSiteTokenLists() async throws { try await RepositoryContracts.siteTokens(try sqlite()) }
    @Test func sqliteKeepsAPITokens() async throws { try await RepositoryContracts.apiTokens(try sqlite()) }
    @Test func sqliteKeepsWebSessions() async throws { try await RepositoryContracts.webSessions(try sqlite()) }
    @Test func sqliteKeepsVehicles() async throws { try await RepositoryContracts.vehicles(try sqlite()) }
    @Test func sqliteKeepsGroups() async throws { try await RepositoryContracts.groups(try sqlite()) }
    @Test func sqliteKeepsOrganizations() async throws { try await RepositoryContracts.organizations(try sqlite()) }
    @Test func sqliteIngestsEachMessageOnce() async throws { try await RepositoryContracts.ingest(try sqlite()) }
    @Test func sqliteKeepsStations() async throws { try await RepositoryContracts.stations(try sqlite()) }
    @Test func sqliteKeepsSessions() async throws { try await RepositoryContracts.sessions(try sqlite()) }
    @Test func sqliteKeepsEvents() async throws { try await RepositoryContracts.events(try sqlite()) }
    @Test func sqliteKeepsCommands() async throws { try await RepositoryContracts.commands(try sqlite()) }
    @Test func sqliteKeepsUsers() async throws { try await RepositoryContracts.users(try sqlite()) }
    @Test func sqliteKeepsFirmware() async throws { try await RepositoryContracts.firmware(try sqlite()) }
    @Test func sqliteCountsForTheDashboard() async throws { try await RepositoryContracts.dashboard(try sqlite()) }
    @Test func sqlitePrunesOldRecords() async throws { try await RepositoryContracts.retention(try sqlite()) }
    @Test func sqliteKeepsTariffsAndCosts() async throws { try await RepositoryContracts.tariffs(try sqlite()) }
    @Test func sqliteKeepsCards() async throws { try await RepositoryContracts.cards(try sqlite()) }
}
