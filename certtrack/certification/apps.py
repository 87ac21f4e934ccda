from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _reinstall_count_triggers(sender, using="default", **kwargs) -> None:
    # SQLite drops a table's triggers when a migration rebuilds it: put them back.
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from . import counts

    connection = connections[using]
    applied = MigrationRecorder(connection).applied_migrations()
    if ("certification", "0011_scale_counts") in applied:
        counts.install_triggers(connection)
        # `flush` (tests' TransactionTestCase) empties the tables in its own order: on
        # SQLite the enrollments' DELETE fires the triggers after the aggregate was
        # emptied, leaving only −1 rows. No enrollment means an empty aggregate.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {counts.ENROLLMENTS} LIMIT 1")
            if cursor.fetchone() is None:
                cursor.execute(f"DELETE FROM {counts.TABLE}")
    if ("certification", "0015_enrollmentcount_folded") in applied:
        counts.install_folded_key(connection)


class CertificationConfig(AppConfig):
    name = "certtrack.certification"
    label = "certification"
    verbose_name = "Certification"

    def ready(self) -> None:
        from . import progress_store

        progress_store.connect_signals()
        post_migrate.connect(
            _reinstall_count_triggers, sender=self, dispatch_uid="certification.count_triggers"
        )
