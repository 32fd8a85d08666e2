import Crypto
import Foundation
import SwiftASN1
import X509

/// A certificate and key for HTTPS when none are configured: generated once (P-256, valid 10 years, for
/// `localhost`, this host's name and 127.0.0.1) and kept beside the database, so clients that pinned it
/// keep working across restarts.
enum SelfSignedCertificate {
    /// The paths of the pair in `directory`, generated first if missing. A pair made before its certificate was
    /// constrained to its own names is replaced, key and all (`replaced`, with the old files kept as `*.replaced`):
    /// its clients trust anything its key signs, so the key must go, and they must be given the new certificate.
    static func ensure(in directory: String, hostName: String) throws -> (certificate: String, key: String, replaced: Bool) {
        let certificatePath = (directory as NSString).appendingPathComponent("cloud-selfsigned.crt.pem")
        let keyPath = (directory as NSString).appendingPathComponent("cloud-selfsigned.key.pem")
        let files = FileManager.default
        var replaced = false
        if files.fileExists(atPath: certificatePath), files.fileExists(atPath: keyPath) {
            guard try isUnconstrained(certificatePath) else { return (certificatePath, keyPath, false) }
            for path in [certificatePath, keyPath] {
                try? files.removeItem(atPath: path + ".replaced")
                try files.moveItem(atPath: path, toPath: path + ".replaced")
            }
            replaced = true
        }
        let privateKey = P256.Signing.PrivateKey()
        let key = Certificate.PrivateKey(privateKey)
        let name = try DistinguishedName {
            CommonName("gridside-cloud \(hostName)")
            OrganizationName("Gridside (self-signed)")
        }
        let now = Date()
        let extensions = try Certificate.Extensions {
            // Its own issuer, so it may sign itself (as `openssl req -x509` makes them): a client given this file to
            // trust (a charger fetching firmware, curl --cacert) then accepts it, where TLS libraries refuse a
            // self-signed certificate whose key may not sign certificates.
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            Critical(KeyUsage(digitalSignature: true, keyCertSign: true))
            // A client that trusts it trusts it for its own names only, even if its key leaked and signed others
            // (security review, finding 28).
            Critical(
                NameConstraints(
                    permittedDNSDomains: ["localhost", hostName],
                    permittedIPRanges: [ASN1OctetString(contentBytes: [127, 0, 0, 1, 255, 255, 255, 255])]))
            try ExtendedKeyUsage([.serverAuth])
            SubjectAlternativeNames([
                .dnsName("localhost"), .dnsName(hostName), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
            ])
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: key.publicKey, notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(10 * 365 * 86_400), issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions, issuerPrivateKey: key)
        try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // The key first, readable by the owner only; the certificate last, so a half-done pair is redone.
        guard
            files.createFile(
                atPath: keyPath, contents: Data(privateKey.pemRepresentation.utf8), attributes: [.posixPermissions: 0o600])
        else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: keyPath]) }
        try Data(try certificate.serializeAsPEM().pemString.utf8).write(to: URL(fileURLWithPath: certificatePath))
        return (certificatePath, keyPath, replaced)
    }

    /// Whether the certificate at `path` is one of ours from before name constraints: a CA for any name. One that is
    /// not ours (an operator's file put there) is left alone.
    static func isUnconstrained(_ path: String) throws -> Bool {
        let certificate = try Certificate(pemEncoded: try String(contentsOfFile: path, encoding: .utf8))
        let ours = certificate.subject == certificate.issuer && "\(certificate.subject)".contains("Gridside (self-signed)")
        let basicConstraints = try certificate.extensions.basicConstraints
        let nameConstraints = try certificate.extensions.nameConstraints
        return ours && basicConstraints != .notCertificateAuthority && nameConstraints == nil
    }
}
