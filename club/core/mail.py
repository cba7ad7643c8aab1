"""Outgoing mail, sent only once the transaction that caused it has committed.

Services call `queue_mail(...)`; the message waits in the session's outbox and leaves
after COMMIT (a rolled-back invitation sends nothing). With MAIL_SERVER unset, messages
go to the log instead, which is what development wants.
"""

from __future__ import annotations

import logging
import re
import smtplib
import sys
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale
from sqlalchemy import event
from sqlalchemy.orm import Session

from club.core.clock import utcnow

log = logging.getLogger("club.mail")

OUTBOX_KEY = "club_outbox"
# Development keeps the last mails sent by this process for the page /dev/mail.
DEV_MAIL_KEY = "club_dev_mail"
DEV_MAIL_KEPT = 30
_LINK = re.compile(r"https?://[^\s<>\"')]+")


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str
    sent_at: datetime = field(default_factory=utcnow, compare=False)

    @property
    def links(self) -> list[str]:
        """Every address in the text, in order, each once (to follow an invitation)."""
        return list(dict.fromkeys(link.rstrip(".,;:") for link in _LINK.findall(self.body)))


def render_mail(template: str, *, locale: str, **context) -> tuple[str, str]:
    """Render `templates/mail/<template>.txt` in the recipient's language.

    The template's first line is the subject, the rest the body.
    """
    if has_request_context():
        text, signature = _rendered(template, locale, **context)
    else:
        # Jobs and commands have no request: links in mail point at BASE_URL.
        with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
            text, signature = _rendered(template, locale, **context)
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n\n" + signature.strip("\n") + "\n"


def _rendered(template: str, locale: str, **context) -> tuple[str, str]:
    """The mail's text and the club's signature (its name, from the club settings)."""
    with force_locale(locale):
        return (
            render_template(f"mail/{template}.txt", **context),
            render_template("mail/_signature.txt"),
        )


def queue_mail(session: Session, *, to: str, template: str, locale: str, **context) -> Mail:
    subject, body = render_mail(template, locale=locale, **context)
    mail = Mail(to=to, subject=subject, body=body)
    session.info.setdefault(OUTBOX_KEY, []).append(mail)
    return mail


def deliver(mail: Mail) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain="club")
    message.set_content(mail.body)
    if config.get("DEV_MAIL"):
        _show_in_development(mail)
    if not config.get("MAIL_SERVER"):
        log.info("mail (no MAIL_SERVER set) to %s: %s\n%s", mail.to, mail.subject, mail.body)
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)


def _show_in_development(mail: Mail) -> None:
    """Print the mail where a newcomer running `make run` looks, and keep it for /dev/mail."""
    kept = current_app.extensions.setdefault(DEV_MAIL_KEY, deque(maxlen=DEV_MAIL_KEPT))
    kept.appendleft(mail)
    rule = "-" * 72
    links = "".join(f"\n  link: {link}" for link in mail.links)
    print(
        f"\n{rule}\nmail to: {mail.to}\nsubject: {mail.subject}\n\n{mail.body.rstrip()}\n"
        f"{links}\n{rule}",
        file=sys.stderr,
        flush=True,
    )


def kept_mails() -> list[Mail]:
    """The last mails this process sent in development, newest first."""
    return list(current_app.extensions.get(DEV_MAIL_KEY, ()))


@event.listens_for(Session, "after_commit")
def _send_outbox(session: Session) -> None:
    outbox = session.info.pop(OUTBOX_KEY, [])
    for mail in outbox:
        try:
            deliver(mail)
        except (OSError, smtplib.SMTPException):
            # The change is committed; a lost mail is logged and can be sent again.
            log.exception("could not send mail to %s (%s)", mail.to, mail.subject)


@event.listens_for(Session, "after_rollback")
def _drop_outbox(session: Session) -> None:
    session.info.pop(OUTBOX_KEY, None)
