"""Rows read from the database, made into model objects without `Model.__init__`.

A Tracking page, an API list and an export make three objects a row (the enrollment, its
contact, its program); Django's `from_db` lines each value up with every field, then
`__init__` sets them one by one through the field descriptors and sends `pre_init` /
`post_init`. For the models below that is most of the Python cost of a page (2.0 of 5.6 ms
for the first 50 rows of a Tracking filter, measured at 50,000 enrollments on SQLite; see
docs/performance.md). `from_db` is Django's documented hook for this.
"""

from django.db.models import signals
from django.db.models.base import ModelState


class LoadedFast:
    """A model mixin: `from_db` puts the loaded values straight into the instance's
    `__dict__`, as `__init__` leaves them — a field not loaded is simply absent, which is
    how Django tells a deferred field (`get_deferred_fields`, `refresh_from_db`, `save`).

    Only for concrete models without parents (no multi-table inheritance) and with no
    `pre_init` / `post_init` receiver: where one is connected, Django's own path runs.
    """

    @classmethod
    def from_db(cls, db, field_names, values):
        # Asked per row: the receiver lists first, empty unless something connected one
        # (`has_listeners` alone costs a page of 150 objects 0.1 ms).
        if _listened(signals.pre_init, cls) or _listened(signals.post_init, cls):
            return super().from_db(db, field_names, values)
        new = cls.__new__(cls)
        state = ModelState()
        state.adding = False
        state.db = db
        new._state = state
        # `field_names` are the loaded fields' attnames, in the order of `values`.
        new.__dict__.update(zip(field_names, values, strict=True))
        return new


def _listened(signal: signals.ModelSignal, sender: type) -> bool:
    return bool(signal.receivers) and signal.has_listeners(sender)
