"""The REST API's operations (API.md): each translates HTTP to one domain call.

Settings, contacts, components and programs live in `setup.py`, enrollments in
`enrollments.py`, completions in `completions.py`, imports in `imports.py`; mounted
together under one `router` (see api.py).
"""

from ninja import Router

from . import completions, enrollments, imports, setup

router = Router()
router.add_router("", setup.router)
router.add_router("", enrollments.router)
router.add_router("", completions.router)
router.add_router("", imports.router)
