"""Wire models: the JSON the Desmo SDKs and backends exchange with Doorproof (API.md).

Field names are the SDK's, verbatim (camelCase), so a model prints exactly what the wire
carries. Requests ignore unknown fields (a newer SDK must keep working); enums the SDK parses
strictly (``status``) only ever hold the values the SDK knows.
"""
