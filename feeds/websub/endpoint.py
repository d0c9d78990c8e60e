"""The hub's web side, `POST /websub` (WebSub 5.1): a worker checks a subscription request,
stores it for the Hub and answers 202; verification and everything after it is the Hub's.

A refusal is a 4xx with one plain-text line naming the parameter and what is wrong.
"""

from __future__ import annotations

from contextlib import closing
from urllib.parse import urlsplit

from flask import Blueprint, Response, request
from werkzeug.datastructures import MultiDict

from feeds import urls
from feeds.config import Config
from feeds.websub.discovery import topic_path, topic_url
from feeds.websub.store import LimitError, Request, Store, database
from feeds.websub.transport import PrivateAddress, Unreachable, check_public

MAX_REQUEST_BYTES = 8_192
MAX_URL_LENGTH = 2_048
SECRET_LIMIT = 200  # bytes; a secret must be shorter (WebSub 5.1)
FORM = "application/x-www-form-urlencoded"


class _Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def websub_blueprint(config: Config) -> Blueprint:
    """The `/websub` endpoint of the site of `config`."""
    blueprint = Blueprint("websub", __name__)

    @blueprint.post(urls.WEBSUB)
    def subscription_request() -> Response:
        try:
            asked = _request(config)
            with closing(Store(database(config))) as store:
                store.add_request(asked)
        except _Refused as exc:
            return _plain(exc.status, exc.reason)
        except LimitError as exc:
            return _plain(429, str(exc))
        return _plain(202, f"accepted: {asked.callback} will be asked to confirm the {asked.mode}")

    return blueprint


def _request(config: Config) -> Request:
    """The request's parameters, checked."""
    length = request.content_length
    if length is None or length > MAX_REQUEST_BYTES:
        raise _Refused(
            413, f"the request must have a Content-Length of at most {MAX_REQUEST_BYTES} bytes"
        )
    if request.mimetype != FORM:
        raise _Refused(415, f"the hub.* parameters must come as {FORM}")
    form = request.form
    mode = form.get("hub.mode", "")
    if mode not in {"subscribe", "unsubscribe"}:
        raise _Refused(400, "hub.mode: must be subscribe or unsubscribe")
    callback, host = _callback(config, _required(form, "hub.callback"))
    path = topic_path(config, _required(form, "hub.topic"))
    if path is None or not (config.output_dir / urls.file_name(path)).is_file():
        raise _Refused(400, "hub.topic: not one of this site's feeds (see its rel=self link)")
    subscribing = mode == "subscribe"
    return Request(
        mode=mode,
        callback=callback,
        host=host,
        topic=topic_url(config, path) or "",
        lease=_lease(form.get("hub.lease_seconds")) if subscribing else None,
        secret=_secret(form.get("hub.secret")) if subscribing else None,
    )


def _required(form: MultiDict[str, str], name: str) -> str:
    value = form.get(name, "")
    if not value:
        raise _Refused(400, f"{name}: is required")
    if len(value) > MAX_URL_LENGTH:
        raise _Refused(400, f"{name}: longer than {MAX_URL_LENGTH} characters")
    return value


def _callback(config: Config, url: str) -> tuple[str, str]:
    """The callback and its host, if it is an http(s) URL of a public address."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a bad port)
    except ValueError:
        raise _Refused(400, "hub.callback: not a URL") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.fragment:
        raise _Refused(400, "hub.callback: must be an http or https URL without a fragment")
    websub = config.websub
    if websub is None or not websub.allow_private_callbacks:
        try:
            check_public(url)
        except PrivateAddress as exc:
            raise _Refused(400, f"hub.callback: {exc}; callbacks must be public") from None
        except Unreachable as exc:
            raise _Refused(400, f"hub.callback: {exc}") from None
    return url, parts.hostname.lower()


def _lease(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 9 or int(value) == 0:
        raise _Refused(400, "hub.lease_seconds: must be a whole number of seconds, 1 to 9 digits")
    return int(value)


def _secret(value: str | None) -> str | None:
    if value is None:
        return None
    if not value or len(value.encode()) >= SECRET_LIMIT:
        raise _Refused(400, f"hub.secret: must be 1 to {SECRET_LIMIT - 1} bytes long")
    return value


def _plain(status: int, text: str) -> Response:
    return Response(
        text + "\n",
        status=status,
        content_type="text/plain; charset=utf-8",
        headers={"Cache-Control": "no-store"},
    )
