"""Dependency aliases for the routes: settings, the service state, write access."""
from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.errors import Unauthorized
from api.settings import Settings, get_settings
from api.state import AppState

_bearer = HTTPBearer(auto_error=False, description="the token set in STDKG_TOKEN")


def get_state(request: Request) -> AppState:
    return request.app.state.stdkg


SettingsDep = Annotated[Settings, Depends(get_settings)]
StateDep = Annotated[AppState, Depends(get_state)]


def require_token(settings: SettingsDep,
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> None:
    """Writes need `Authorization: Bearer <STDKG_TOKEN>`; with no token configured they are refused."""
    if not settings.token:
        raise Unauthorized("writes are disabled: no token is configured; set STDKG_TOKEN on the server and send "
                           "`Authorization: Bearer <token>`")
    if credentials is None or not secrets.compare_digest(credentials.credentials.encode(), settings.token.encode()):
        raise Unauthorized("missing or wrong token; send `Authorization: Bearer <token>` with the server's STDKG_TOKEN")


WriteAccess = Annotated[None, Depends(require_token)]
