"""One router per resource; `problems` documents the error answers a route can give."""

from typing import Any

from materials.api.schemas import Problem

_DESCRIPTIONS = {
    400: "The body could not be read (not UTF-8 JSON); nothing changed",
    401: "No valid bearer token",
    403: "The client lacks the scope this route needs",
    404: "An unknown barcode, title, branch, station or reservation (named in the message); nothing changed",
    409: "Refused in the current state, or an Idempotency-Key reused for another request; nothing changed",
}


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": Problem, "description": _DESCRIPTIONS[code]} for code in codes}


READ_ERRORS = problems(401, 403, 404)
WRITE_ERRORS = problems(400, 401, 403, 404, 409)
