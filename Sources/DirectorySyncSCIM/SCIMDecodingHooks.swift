import DirectorySync
import DirectorySyncHTTP
import Foundation

/// Decoding hooks for the fuzz targets (`Fuzz/`): every decoder of SCIM answers, reachable from
/// outside the module without making the wire types public. They only decode; they never trap.
package enum SCIMDecodingHooks {
    /// Reads `data` as lists, users, groups, the service provider configuration and error bodies,
    /// and maps what it reads to the model.
    package static func readResources(_ data: Data) {
        let decoder = JSONDecoder()
        if let list = try? decoder.decode(SCIMList<SCIMUser>.self, from: data) { _ = (list.resources ?? []).map { $0.profile } }
        _ = try? decoder.decode(SCIMList<SCIMGroup>.self, from: data)
        if let user = try? decoder.decode(SCIMUser.self, from: data) {
            _ = user.profile
            _ = SCIMOwnership.origin(of: user.externalId)
        }
        _ = try? decoder.decode(SCIMServiceProviderConfig.self, from: data)
        for status in [400, 404, 409, 412, 500] {
            _ = SCIMIdentityStore.error(HTTPResponse(status: status, body: data), method: .post, path: "/Users", conflict: .addressInUse, token: nil).description
        }
        _ = SCIMOwnership.origin(of: String(decoding: data, as: UTF8.self))
    }
}
