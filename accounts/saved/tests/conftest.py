"""The browser fixtures of the login tests (a page that may reach the test server and loopback only)."""
from accounts.tests.conftest import login_browser, open_page  # noqa: F401 - fixtures, used by name
