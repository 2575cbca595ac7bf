"""`make demo` ends with the sign-in table, not with a screenful of console e-mails."""

from io import StringIO

from django.core import mail
from django.core.management import call_command

from dashboards.demo_console import CONSOLE_BACKEND, mail_held_back


def test_seeding_holds_console_mail_back(settings, capsys):
    settings.EMAIL_BACKEND = CONSOLE_BACKEND
    with mail_held_back() as held:
        mail.send_mail("Sign-off needed", "v3 waits for you", "lodestar@localhost", ["rb@lodestar.example"])
    assert len(held) == 1
    assert "Sign-off needed" not in capsys.readouterr().out
    # Outside seeding, the console backend prints as configured.
    mail.send_mail("Later", "printed", "lodestar@localhost", ["rb@lodestar.example"])
    assert "Subject: Later" in capsys.readouterr().out


def test_a_configured_mail_server_is_left_alone(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    with mail_held_back() as held:
        mail.send_mail("Real", "sent", "lodestar@localhost", ["rb@lodestar.example"])
    assert held == [] and len(mail.outbox) == 1


def test_the_accounts_table_comes_last_with_every_demo_user(db):
    out = StringIO()
    call_command("seed_demo", "--accounts", stdout=out)
    lines = out.getvalue().rstrip().splitlines()
    table = lines[-8:]
    assert [line.split()[0] for line in table] == ["pm", "ds", "ds2", "rb", "rb2", "exec", "admin", "rb3"]
    assert "Priya Menon" in table[0] and "password lodestar-demo-2026" in table[0]
    assert "Sign in to Lodestar at http://127.0.0.1:8000 as:" in lines[-9]
