"""A small path router: ``add('GET', '/pools/{pool}', handler)``; segments are URL-decoded."""

import re
from urllib.parse import unquote


class Response:
    """What a handler returns: status, JSON-able body (or None) and extra headers."""

    def __init__(self, status, body=None, headers=None):
        self.status = status
        self.body = body
        self.headers = headers or {}


class Request:
    """One API call as the handlers see it."""

    def __init__(self, method, path, query, body, version, base, user=None):
        self.method = method
        self.path = path          # path below the service root, e.g. /pools/gold
        self.query = query        # {name: last value}
        self.body = body          # parsed JSON object or None
        self.version = version    # 1 or 2
        self.base = base          # e.g. /api/storage/v1
        self.user = user
        self.params = {}

    def flag(self, name):
        return str(self.query.get(name, '')).lower() == 'true'

    def href(self, path):
        return self.base + path


class Router:
    def __init__(self):
        self.routes = []

    def add(self, method, pattern, handler, description='', locked=True):
        """locked=False: the handler takes the appliance lock itself (it talks to other appliances)."""
        regex = '^' + re.sub(r'\{(\w+)\}', r'(?P<\1>[^/]+)', pattern) + '/?$'
        self.routes.append((method, re.compile(regex), (handler, locked), pattern, description))

    def match(self, method, path):
        """((handler, locked), params) or (None, allowed_methods) when nothing matches."""
        allowed = []
        for route_method, regex, handler, _pattern, _desc in self.routes:
            found = regex.match(path)
            if not found:
                continue
            if route_method == method:
                return handler, dict((k, unquote(v)) for k, v in found.groupdict().items())
            allowed.append(route_method)
        return None, allowed

    def methods(self):
        """The method table of ``GET /api/<service>/v<N>``."""
        return [{'path': pattern, 'request': method, 'description': desc}
                for method, _regex, _handler, pattern, desc in self.routes]
