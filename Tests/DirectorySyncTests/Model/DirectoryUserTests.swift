import DirectorySync
import Testing

@Suite("Model: directory users")
struct DirectoryUserTests {
    @Test("proxy addresses: upper-case SMTP is primary, lower-case smtp are aliases, other types ignored")
    func proxyAddresses() {
        let user = DirectoryUser(
            id: "1", userPrincipalName: "a@contoso.com",
            proxyAddresses: ["smtp:b@contoso.com", "SMTP:A@contoso.com", "SIP:a@contoso.com", "smtp:a@contoso.com", "smtp:B@contoso.com", "smtp:"])
        #expect(user.primaryEmail == "A@contoso.com")
        #expect(user.emailAliases == ["b@contoso.com"])
    }

    @Test("mail wins over the proxy primary; blank mail does not count")
    func mailFirst() {
        var user = DirectoryUser(id: "1", userPrincipalName: "a@contoso.com", mail: "mail@contoso.com", proxyAddresses: ["SMTP:proxy@contoso.com"])
        #expect(user.primaryEmail == "mail@contoso.com")
        #expect(user.emailAliases == ["proxy@contoso.com"])
        user.mail = "  "
        #expect(user.primaryEmail == "proxy@contoso.com")
        user.proxyAddresses = []
        #expect(user.primaryEmail == nil)
    }

    @Test("logins: UPN, plus NETBIOS\\sam for users from on-premises AD")
    func logins() {
        var user = DirectoryUser(id: "1", userPrincipalName: "adele@contoso.com")
        #expect(user.logins == ["adele@contoso.com"])
        user.onPremisesSamAccountName = "avance"
        user.onPremisesDomainName = "corp.contoso.com"
        #expect(user.logins == ["adele@contoso.com", "CORP\\avance"])
        #expect(user.loginMatchKeys == ["adele@contoso.com", "corp\\avance", "corp.contoso.com\\avance"])
    }
}
