"""Reads every user ($select'ed as DirectorySync does) and every group's members (one group delta
round with members@delta) through Microsoft's Python Graph SDK (`msgraph-sdk`), from a loopback
Graph emulator. Prints one JSON line: users, groups, memberships, seconds.

Usage: msgraph-read.py LOGIN_URL GRAPH_URL TENANT CLIENT_ID   (the secret in DIRSYNC_COMPARE_SECRET)
"""
import asyncio
import json
import os
import sys
import time
import urllib.parse
import urllib.request

from azure.core.credentials import AccessToken
from kiota_authentication_azure.azure_identity_authentication_provider import AzureIdentityAuthenticationProvider
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.groups.delta.delta_request_builder import DeltaRequestBuilder
from msgraph.generated.users.users_request_builder import UsersRequestBuilder

SCOPE = "https://graph.microsoft.com/.default"
USER_SELECT = [
    "id", "userPrincipalName", "displayName", "givenName", "surname", "mail", "otherMails", "proxyAddresses",
    "accountEnabled", "userType", "department", "jobTitle", "companyName", "city", "country", "officeLocation",
    "employeeId", "onPremisesSamAccountName", "onPremisesDomainName", "onPremisesSecurityIdentifier",
]
GROUP_SELECT = ["id", "displayName", "description", "mail", "mailEnabled", "securityEnabled", "groupTypes", "members"]


class EmulatorCredential:
    """An async token credential for the client-credentials grant at the emulator's token endpoint."""

    def __init__(self, login, tenant, client_id, secret):
        self.url = f"{login}/{tenant}/oauth2/v2.0/token"
        self.form = urllib.parse.urlencode(
            {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, "scope": SCOPE}).encode()

    async def get_token(self, *scopes, **kwargs):
        with urllib.request.urlopen(urllib.request.Request(self.url, data=self.form)) as response:
            body = json.load(response)
        return AccessToken(body["access_token"], int(time.time()) + int(body["expires_in"]))

    async def close(self):
        pass

    async def __aenter__(self):
        return self

    async def __aexit__(self, *args):
        pass


async def main():
    login, graph, tenant, client_id = sys.argv[1:5]
    credential = EmulatorCredential(login, tenant, client_id, os.environ["DIRSYNC_COMPARE_SECRET"])
    auth = AzureIdentityAuthenticationProvider(credential, scopes=[SCOPE], allowed_hosts=[urllib.parse.urlparse(graph).hostname])
    adapter = GraphRequestAdapter(auth)
    adapter.base_url = graph
    client = GraphServiceClient(request_adapter=adapter)
    start = time.monotonic()

    users = 0
    query = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(select=USER_SELECT, top=999)
    page = await client.users.get(request_configuration=UsersRequestBuilder.UsersRequestBuilderGetRequestConfiguration(query_parameters=query))
    while page is not None:
        users += len(page.value or [])
        page = await client.users.with_url(page.odata_next_link).get() if page.odata_next_link else None

    groups, memberships = set(), 0
    query = DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(select=GROUP_SELECT)
    page = await client.groups.delta.get(request_configuration=DeltaRequestBuilder.DeltaRequestBuilderGetRequestConfiguration(query_parameters=query))
    while page is not None:
        for group in page.value or []:
            groups.add(group.id)
            members = (group.additional_data or {}).get("members@delta") or []
            memberships += sum(1 for member in members if "@removed" not in member)
        page = await client.groups.delta.with_url(page.odata_next_link).get() if page.odata_next_link else None

    print(json.dumps({"users": users, "groups": len(groups), "memberships": memberships, "seconds": time.monotonic() - start}))


asyncio.run(main())
