from . import context


class AuditContextMiddleware:
    """Records IP, user agent and a request id for every audit event of the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get("X-Request-ID", "")[:64] or context.new_request_id()
        token = context.activate(
            context.AuditContext(
                # REMOTE_ADDR: behind nginx, the proxy sets it through the ASGI server's
                # --proxy-headers; X-Forwarded-For is never trusted from the client.
                ip_address=request.META.get("REMOTE_ADDR") or None,
                user_agent=request.headers.get("User-Agent", "")[:300],
                request_id=request_id,
                user=getattr(request, "user", None),
            )
        )
        try:
            response = self.get_response(request)
        finally:
            context.deactivate(token)
        response["X-Request-ID"] = request_id
        return response
