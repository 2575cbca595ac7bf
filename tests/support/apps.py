from django.apps import AppConfig


class TestSupportConfig(AppConfig):
    """Installed by the test settings only: tools the test runner needs and production must never have."""

    name = "tests.support"
    label = "test_support"
