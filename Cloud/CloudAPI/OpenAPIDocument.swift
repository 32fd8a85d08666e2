/// The API's OpenAPI 3.1 document, served at `/api/v1/openapi.json`: `Resources/openapi.json`, compiled into the
/// binary. It is the API's one description: a test checks that it names exactly the routes the router serves, and
/// the interop tests validate real answers against its schemas.
enum OpenAPIDocument {
    static let json = String(decoding: PackageResources.openapi_json, as: UTF8.self)
}
