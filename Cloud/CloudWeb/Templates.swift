import Mustache

/// The dashboard's pages as Mustache templates (`Resources/templates`), compiled into the binary so that an installed
/// `gridside-cloud` needs no files beside it. Every page extends `layout`; `{{t.key}}` is a string of ``Catalog`` in
/// the reader's language.
enum Templates {
    static func library() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, bytes) in all { try library.register(String(decoding: bytes, as: UTF8.self), named: name) }
        return library
    }

    static let all: [(String, [UInt8])] = [
        ("layout", PackageResources.layout_mustache), ("login", PackageResources.login_mustache),
        ("configuration", PackageResources.configuration_mustache),
        ("loadSettings", PackageResources.loadSettings_mustache), ("firmware", PackageResources.firmware_mustache),
        ("campaign", PackageResources.campaign_mustache), ("vehicles", PackageResources.vehicles_mustache),
        ("groups", PackageResources.groups_mustache), ("fleet", PackageResources.fleet_mustache),
        ("siteNew", PackageResources.siteNew_mustache), ("passwordReset", PackageResources.passwordReset_mustache),
        ("newPassword", PackageResources.newPassword_mustache), ("topology", PackageResources.topology_mustache),
        ("topologyStation", PackageResources.topologyStation_mustache),
        ("siteCredentials", PackageResources.siteCredentials_mustache),
        ("group", PackageResources.group_mustache),
        ("homeSites", PackageResources.homeSites_mustache), ("access", PackageResources.access_mustache),
        ("user", PackageResources.user_mustache), ("organization", PackageResources.organization_mustache),
        ("home", PackageResources.home_mustache), ("site", PackageResources.site_mustache),
        ("station", PackageResources.station_mustache), ("sessions", PackageResources.sessions_mustache),
        ("stationRegistration", PackageResources.stationRegistration_mustache),
        ("loginCode", PackageResources.loginCode_mustache), ("twoFactor", PackageResources.twoFactor_mustache),
        ("roaming", PackageResources.roaming_mustache), ("roamingPartner", PackageResources.roamingPartner_mustache),
        ("session", PackageResources.session_mustache), ("events", PackageResources.events_mustache),
        ("error", PackageResources.error_mustache), ("eventTable", PackageResources.eventTable_mustache),
        ("tariffs", PackageResources.tariffs_mustache), ("tariff", PackageResources.tariff_mustache),
        ("reports", PackageResources.reports_mustache),
        ("availability", PackageResources.availability_mustache), ("cards", PackageResources.cards_mustache),
        ("statements", PackageResources.statements_mustache),
        ("statement", PackageResources.statement_mustache), ("notifications", PackageResources.notifications_mustache),
        ("unsubscribe", PackageResources.unsubscribe_mustache), ("rules", PackageResources.rules_mustache),
    ]
}
