"""Django's database sessions, read with one plain statement.

Every signed-in request reads its session first; the ORM builds that query anew each time (about a
quarter of a millisecond of CPU, bench/README.md). The same table, the same rows and the same rules as
``django.contrib.sessions.backends.db``: an expired or unknown key reads as no session.

    SESSION_ENGINE = "evidence.sessions"
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        if self.session_key:  # an invalid key was already set to None (SessionBase._validate_session_key)
            model = self.model
            connection = connections[router.db_for_read(model)]
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            with connection.cursor() as cursor:
                cursor.execute(
                    f'SELECT "session_data" FROM "{model._meta.db_table}" '  # nosec B608: our own table name
                    'WHERE "session_key" = %s AND "expire_date" > %s',
                    [self.session_key, now],
                )
                row = cursor.fetchone()
            if row is not None:
                return model(session_key=self.session_key, session_data=row[0])
        self._session_key = None
        return None
