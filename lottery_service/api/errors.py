"""The one mapping of errors to HTTP: a status per error class, one body shape.

Every error answer is an `ErrorOut`: `error` (the class name), `detail` (Chinese
line, then English), `message_zh`, `message_en`, `section` / `rule` where one
applies, and the error's structured details (`phase` of an out-of-order step,
`errors` and `report` of a rejected import, `rows` outside a school's scope).
Request validation and routing errors use the same shape; anything unexpected
is a 500 that says so and nothing more (the traceback goes to the server log).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ..errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    PhaseError,
    ProtocolError,
    RateLimitedError,
    RejectedInputError,
    RemoteError,
    SunshineError,
    TooLargeError,
    UnauthenticatedError,
)
from .schemas import ErrorOut

STATUS: Final[Mapping[type[SunshineError], int]] = {
    UnauthenticatedError: 401,
    ForbiddenError: 403,
    NotFoundError: 404,
    PhaseError: 409,
    ConflictError: 409,
    TooLargeError: 413,
    RejectedInputError: 422,
    ProtocolError: 422,
    RateLimitedError: 429,
    RemoteError: 502,
    SunshineError: 400,
}
HTTP_ZH: Final[Mapping[int, str]] = {
    401: "需要有效的令牌", 403: "无权执行此操作", 404: "没有找到", 405: "不支持这种请求方法",
    409: "与当前状态冲突", 413: "请求太大", 422: "请求内容有误", 429: "请求过多，请稍后再试",
}
_log = logging.getLogger("lottery_service.api")

__all__ = ["STATUS", "error_responses", "install", "status_of"]


def status_of(exc: SunshineError) -> int:
    """The status of the nearest class in the error's ancestry that has one."""
    return next(STATUS[cls] for cls in type(exc).__mro__ if cls in STATUS)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the error statuses a route really returns."""
    return {status: {"model": ErrorOut, "description": HTTP_ZH.get(status, "错误")}
            for status in statuses}


def _body(error: str, zh: str, en: str, **extra: Any) -> dict[str, Any]:
    return {"error": error, "detail": f"{zh}\n{en}", "message_zh": zh, "message_en": en,
            **extra}


def _sunshine(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SunshineError)
    body = _body(type(exc).__name__, exc.zh, str(exc), section=exc.section or None,
                 rule=exc.rule or None, **exc.context)
    headers = None
    if isinstance(exc, RateLimitedError):
        headers = {"Retry-After": str(int(exc.retry_after) + 1)}
    elif isinstance(exc, UnauthenticatedError):
        headers = {"WWW-Authenticate": "Bearer"}
    return JSONResponse(body, status_code=status_of(exc), headers=headers)


def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = [{"field": ".".join(str(p) for p in e.get("loc", ())), "reason": str(e.get("msg"))}
              for e in exc.errors()]
    listed = "; ".join(f"{f['field']}: {f['reason']}" for f in fields)
    return JSONResponse(_body("RequestValidationError", f"请求内容有误：{listed}",
                              f"invalid request: {listed}", fields=fields), status_code=422)


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 400:
        # FastAPI's answer to a body it cannot decode (not UTF-8): a malformed request
        # like a JSON syntax error, so the same documented 422 and shape.
        reason = "请求体无法解析（应为 UTF-8 编码的 JSON）"
        return JSONResponse(_body("RequestValidationError", f"请求内容有误：body: {reason}",
                                  "invalid request: body: the body could not be parsed",
                                  fields=[{"field": "body", "reason": reason}]),
                            status_code=422)
    en = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return JSONResponse(_body("HTTPError", HTTP_ZH.get(exc.status_code, en), en),
                        status_code=exc.status_code, headers=exc.headers)


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    _log.exception("unexpected error on %s %s", request.method, request.url.path)
    return JSONResponse(_body("InternalError", "服务器内部错误，请求未完成；请联系管理员",
                              "internal server error; the request was not completed"),
                        status_code=500)


def install(app: FastAPI) -> None:
    """Map every error to its answer on `app`."""
    app.add_exception_handler(SunshineError, _sunshine)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
