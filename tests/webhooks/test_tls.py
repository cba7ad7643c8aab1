"""A delivery over TLS to the address that was checked: the certificate is verified
against the URL's host name (SNI and hostname check), not against the address the
connection is pinned to. The receiver's certificate is made here and trusted by the test
alone (delivery.tls_context)."""

from __future__ import annotations

import socket
import ssl
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from club.ledger import services as ledger
from club.webhooks import delivery, endpoints
from club.webhooks.models import WebhookAttempt

pytestmark = pytest.mark.one_database  # no database-specific code here (conftest)


def _certificate(tmp_path, name: str):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch):
    """An HTTPS receiver on 127.0.0.1 with a certificate for `certified`; the name
    hook.example resolves to it; the club trusts the certificate."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(
                (dict(self.headers), self.rfile.read(int(self.headers["Content-Length"])))
            )
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    def start(certified: str):
        cert_file, key_file = _certificate(tmp_path, certified)
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        trusted = ssl.create_default_context(cafile=str(cert_file))
        monkeypatch.setattr(delivery, "tls_context", lambda: trusted)
        return server.server_address[1]

    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        return real("127.0.0.1" if host == "hook.example" else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    servers: list = []
    yield start, received
    for server in servers:
        server.shutdown()
        server.server_close()


def _send(db_session, club, port: int) -> WebhookAttempt:
    endpoints.register(
        db_session,
        url=f"https://hook.example:{port}/hooks",
        event_types=["points.earned"],
        actor=club.club_manager,
    )
    wallet = ledger.wallet_for(db_session, club.company.id)
    ledger.earn(db_session, wallet, 50, source=ledger.Source("test", "tls"))
    db_session.commit()
    delivery.deliver_due(db_session)
    return db_session.scalar(select(WebhookAttempt))


def test_a_certificate_for_the_host_is_accepted(db_session, club, tls_receiver):
    start, received = tls_receiver
    attempt = _send(db_session, club, start("hook.example"))
    assert (attempt.status_code, attempt.error) == (200, "")
    assert received[0][0]["Host"].startswith("hook.example:")


def test_a_certificate_for_another_name_is_refused(db_session, club, tls_receiver):
    start, received = tls_receiver
    attempt = _send(db_session, club, start("other.example"))
    assert attempt.status_code is None
    assert "certificate" in attempt.error.lower() or "hostname" in attempt.error.lower()
    assert received == []
