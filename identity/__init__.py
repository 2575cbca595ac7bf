"""Single sign-on (OpenID Connect): links to the provider's identities, the claims-to-roles table, break-glass
accounts and the provider re-authentication that signs reviews. Sits above portfolio (it manages business-unit
memberships) and below governance (whose signatures accept its re-authentication proofs)."""
