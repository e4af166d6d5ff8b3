"""The development e-mail backend: messages printed readably on the console.

Django's console backend prints each message as it would travel, and Django 6 sends text as
quoted-printable, which breaks every line longer than 76 characters with "=": a confirmation link then
cannot be copied from the terminal. This one prints the headers and each text part decoded, whole.
"""

from __future__ import annotations

from django.core.mail.backends.console import EmailBackend


class ConsoleEmailBackend(EmailBackend):
    def write_message(self, message):
        msg = message.message()
        for header in ("From", "To", "Subject", "Date"):
            if msg[header]:
                self.stream.write(f"{header}: {msg[header]}\n")
        texts = [part for part in msg.walk() if part.get_content_type() == "text/plain"]
        others = sorted({part.get_content_type() for part in msg.walk() if not part.is_multipart()} - {"text/plain"})
        for part in texts:
            self.stream.write("\n" + part.get_content().rstrip("\n") + "\n")
        if others:
            self.stream.write(f"\n(also in the message: {', '.join(others)})\n")
        self.stream.write("-" * 79 + "\n")
