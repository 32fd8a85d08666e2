/// The dashboard's stylesheet and script (`Resources/dashboard.css`, `Resources/dashboard.js`), hand-written and
/// compiled into the binary.
enum Assets {
    static let css = String(decoding: PackageResources.dashboard_css, as: UTF8.self)
    static let javascript = String(decoding: PackageResources.dashboard_js, as: UTF8.self)
    /// The service worker that shows Web Push notifications (served at `/sw.js`, so its scope is the whole dashboard).
    static let serviceWorker = String(decoding: PackageResources.sw_js, as: UTF8.self)
}
