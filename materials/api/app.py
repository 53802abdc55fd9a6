"""The FastAPI application: `create_app(engine)` builds it; nothing is built at import time.

Named service errors become answers here, once for every route: NotFound → 404, a malformed identifier → 422,
any other refusal → 409, each with the service's message naming the offending value.
"""

from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, exc

from materials import __version__
from materials.api.deps import SCOPES, ApiContext
from materials.api.routes import branches, circulation, items, reservations, titles
from materials.clock import Clock, SystemClock
from materials.domain.identifiers import InvalidIdentifier
from materials.errors import MaterialsError, NotFound

DESCRIPTION = """The materials team's API for the library system (ILS).

The library system **pushes** loans, returns, reservations placed and cancelled, titles, copies and withdrawals,
and **asks** for a copy's status and route, a reservation's state and a branch's pick list.

* Every call needs `Authorization: Bearer <token>`; a client's scopes: {scopes}.
* Every write needs an `Idempotency-Key` header: the same key and body again returns the first answer; the same key
  with another body is refused with 409.
* Patron ids are stored only as keyed hashes and never returned.
"""

# Fields whose offending value must not be echoed back in a validation error.
_PRIVATE_FIELDS = {"patron"}


def create_app(
    engine: Engine, *, clock: Clock | None = None, patron_key: str | None = None, key_ttl: timedelta | None = None
) -> FastAPI:
    """The API on this database. `patron_key` defaults to Settings().patron_key; idempotency keys live `key_ttl`
    (24 hours by default)."""
    if patron_key is None:
        from materials.settings import Settings

        patron_key = Settings().patron_key
    scopes = ", ".join(f"`{name}` ({what})" for name, what in SCOPES.items())
    app = FastAPI(
        title="Materials team API",
        version=__version__,
        description=DESCRIPTION.format(scopes=scopes),
    )
    context = ApiContext(engine=engine, clock=clock or SystemClock(), patron_key=patron_key)
    if key_ttl is not None:
        if key_ttl <= timedelta(0):
            raise ValueError(f"idempotency keys must live a positive time, not {key_ttl}")
        context.key_ttl = key_ttl
    app.state.api = context
    for router in (titles.router, items.router, circulation.router, reservations.router, branches.router):
        app.include_router(router)
    _add_error_answers(app)
    return app


def _problem(status_code: int, message: str) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=status_code)


def _add_error_answers(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    def _not_found(_request: Request, error: NotFound) -> JSONResponse:
        return _problem(404, str(error))

    @app.exception_handler(InvalidIdentifier)
    def _invalid(_request: Request, error: InvalidIdentifier) -> JSONResponse:
        detail = [{"loc": ["body"], "msg": str(error), "type": "value_error"}]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(MaterialsError)
    def _refused(_request: Request, error: MaterialsError) -> JSONResponse:
        return _problem(409, str(error))

    @app.exception_handler(exc.IntegrityError)
    def _collided(_request: Request, _error: exc.IntegrityError) -> JSONResponse:
        return _problem(409, "the request collided with a concurrent change; nothing was changed, try again")

    @app.exception_handler(RequestValidationError)
    def _validation(_request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": jsonable_encoder([_private(e) for e in error.errors()])}, status_code=422)


def _private(error: Any) -> Any:
    """FastAPI's validation error, without the offending value when it may be or hold a patron id."""
    if not isinstance(error, dict):
        return error
    private = _PRIVATE_FIELDS & {str(part) for part in error.get("loc", ())}
    if private or isinstance(error.get("input"), dict | list):
        return {key: value for key, value in error.items() if key not in ("input", "ctx")}
    return error
