"""A real OpenID Connect provider for Lodestar's single sign-on tests: django-oauth-toolkit in its own Django
project and process, with its own SQLite database, users and groups (tests/sso/conftest.py starts it)."""
