"""The branding images of General Settings (PRODUCT.md §9): a logo and a signature.

PNG, JPEG or SVG, at most MAX_BYTES and MAX_PIXELS a side. The file's content decides
what it is, never its name: an SVG is parsed (defusedxml: no entity bombs) and refused
if it carries script, a raster image is opened and verified by Pillow.
"""

import io
import re

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from PIL import Image, UnidentifiedImageError

from .errors import Invalid

MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 4000
RASTER_FORMATS = {"PNG": "png", "JPEG": "jpg"}
_HANDLER = re.compile(r"^on", re.IGNORECASE)  # onload=, onclick=…
_SCRIPT_URL = re.compile(r"^\s*(javascript|data:text/html)", re.IGNORECASE)


def checked(field: str, upload) -> tuple[bytes, str]:
    """The bytes of an uploaded image and its extension (png, jpg, svg); Invalid otherwise."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise Invalid(field, f"{field}: the file is {size // 1024} KB; at most 2 MB.")
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise Invalid(field, f"{field}: the file is larger than 2 MB.")
    if not data:
        raise Invalid(field, f"{field}: the file is empty.")
    if data.lstrip()[:1] == b"<":
        _check_svg(field, data)
        return data, "svg"
    return data, _check_raster(field, data)


def _check_raster(field: str, data: bytes) -> str:
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise Invalid(field, f"{field}: Not an image (use PNG, JPEG or SVG).") from None
    if kind not in RASTER_FORMATS:
        raise Invalid(field, f"{field}: A {kind} image; use PNG, JPEG or SVG.")
    if width > MAX_PIXELS or height > MAX_PIXELS:
        raise Invalid(
            field, f"{field}: {width}×{height} pixels; at most {MAX_PIXELS} on each side."
        )
    return RASTER_FORMATS[kind]


def _check_svg(field: str, data: bytes) -> None:
    try:
        root = ElementTree.fromstring(data, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        raise Invalid(field, f"{field}: Not an image (use PNG, JPEG or SVG).") from None
    if _local(root.tag) != "svg":
        raise Invalid(field, f"{field}: Not an image (use PNG, JPEG or SVG).")
    for element in root.iter():
        if _local(element.tag) in ("script", "foreignObject"):
            raise Invalid(field, f"{field}: an SVG with scripts or embedded pages is refused.")
        for name, value in element.attrib.items():
            if _HANDLER.search(_local(name)) or _SCRIPT_URL.search(value):
                raise Invalid(field, f"{field}: an SVG with scripts or embedded pages is refused.")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
